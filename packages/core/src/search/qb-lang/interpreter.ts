import { QueryError } from '@specstar/interfaces';
import { ConditionBuilder, Field, QB, isQueryBuilder, type TimezoneInput } from '../qb';
import { bind, NO_VALUE } from './binding';
import { construct, dtAttribute, floorDiv, makeTimedelta, checkDateRange, dateFromMillis, dateOrdinalMillis, pad } from './datetime';
import { EvalFailure, failed, invalid, rejected } from './errors';
import { bitwise, checkedInt, checkedNumber, isInt, isNum, MAX_LITERAL_SIZE, pyEquals, pyMod, pyOrder, pyTruthy, repeat, unsupportedOperands } from './literals';
import { callField, conditions, FIELD_OPERATORS, METHODS, type MethodContext, type MethodSpec, QB_ENTRIES, receives, REFLECTED, SUPPORTED_BINARY } from './methods';
import type { Arg, LocationRange, Node, OpToken } from './syntax';
import {
  BoundMethod,
  DT_CLASSES,
  DT_MODULE,
  DtClass,
  type DtClassName,
  MICROS_PER_DAY,
  PyDate,
  PyDateTime,
  PyTime,
  PyTimedelta,
  PyTimezone,
  PyTuple,
  pyType,
  QB_ROOT,
} from './py-objects';

/** Evaluates a checked syntax tree over the whitelist; nothing from the input runs as code. */
export class Interpreter implements MethodContext {
  constructor(readonly now: Date | undefined) {}

  /** A Python value as a query operand (datetime → Date, tuple → list, date → "YYYY-MM-DD"). */
  operand(value: unknown): unknown {
    if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => this.operand(v));
    if (value instanceof PyTuple) return value.items.map((v) => this.operand(v));
    if (value instanceof PyDateTime) return new Date(floorDiv(value.micros, 1000));
    if (value instanceof PyDate) return `${pad(value.year, 4)}-${pad(value.month, 2)}-${pad(value.day, 2)}`;
    if (value instanceof PyTime) {
      const base = `${pad(value.hour, 2)}:${pad(value.minute, 2)}:${pad(value.second, 2)}`;
      const fraction = value.microsecond ? `.${pad(value.microsecond, 6)}` : '';
      return base + fraction + (value.tzinfo ? '+00:00' : '');
    }
    throw failed(`a '${pyType(value)}' cannot be used as a query value`);
  }

  /** A tz argument for the builder; anything but None, an int, a str or dt.timezone.utc is rejected there. */
  timezone(value: unknown): TimezoneInput {
    if (value === null) return undefined;
    if (value instanceof PyTimezone) return value.offsetMinutes / 60;
    return value as TimezoneInput;
  }

  eval(node: Node): unknown {
    switch (node.type) {
      case 'Const':
        return node.value;
      case 'Name':
        if (node.id === 'QB') return QB_ROOT;
        if (node.id === 'dt' || node.id === 'datetime') return DT_MODULE;
        throw this.at(rejected(`Undefined variable: ${node.id}`), node.loc);
      case 'List':
        return node.elts.map((e) => this.eval(e));
      case 'Tuple':
        return new PyTuple(node.elts.map((e) => this.eval(e)));
      case 'Unsupported':
        throw this.at(rejected(`AST node type not supported: ${node.what}`), node.loc);
      case 'Chain': {
        let acc = this.eval(node.head);
        for (const { op, right } of node.tail) {
          if (!SUPPORTED_BINARY.has(op.text)) {
            throw this.at(rejected(`Binary operator not supported: ${op.text}`), op.loc);
          }
          const value = this.eval(right);
          acc = this.guard(() => this.binary(op.text, acc, value), op.loc);
        }
        return acc;
      }
      case 'Unary': {
        let value = this.eval(node.operand);
        for (let i = node.ops.length - 1; i >= 0; i--) {
          const op = node.ops[i] as OpToken;
          const current = value;
          value = this.guard(() => this.unary(op.text, current), op.loc);
        }
        return value;
      }
      case 'Not': {
        const value = this.eval(node.operand);
        if (isQueryBuilder(value)) {
          throw this.at(failed("'not' applies to literals only; negate a condition with ~"), node.loc);
        }
        return node.count % 2 === 1 ? !pyTruthy(value) : pyTruthy(value);
      }
      case 'Compare':
        return this.compare(node);
      case 'Primary':
        return this.primary(node);
    }
  }

  private compare(node: Extract<Node, { type: 'Compare' }>): unknown {
    let left = this.eval(node.left);
    const results: unknown[] = [];
    for (const { op, right } of node.links) {
      if (!(op.text in FIELD_OPERATORS)) {
        throw this.at(rejected(`Comparison operator not supported: ${op.text}`), op.loc);
      }
      const value = this.eval(right);
      const current = left;
      results.push(this.guard(() => this.compareOnce(current, op.text, value), op.loc));
      left = value;
    }
    if (results.length === 1) return results[0];
    // A chained comparison is the AND of its links (Python semantics), not the last link.
    const conditions: ConditionBuilder[] = [];
    for (const r of results) {
      if (r instanceof ConditionBuilder) conditions.push(r);
      else if (!pyTruthy(r)) return r;
    }
    return conditions.length === 0 ? results[results.length - 1] : QB.all(...conditions);
  }

  private compareOnce(left: unknown, op: string, right: unknown): unknown {
    if (left instanceof Field || right instanceof Field) {
      const [field, value, fieldOp] =
        left instanceof Field ? [left, right, op] : [right as Field, left, REFLECTED[op] as string];
      if (isQueryBuilder(value)) {
        throw failed('a field can only be compared with a literal value, not with another field or condition');
      }
      return callField(field, FIELD_OPERATORS[fieldOp] as keyof Field, this.operand(value));
    }
    if (isQueryBuilder(left) || isQueryBuilder(right)) {
      throw failed(
        "comparison operators apply to fields, not to combined conditions; put each comparison in parentheses, e.g. (QB['a'] == 1) & (QB['b'] == 2)",
      );
    }
    if (op === '==') return pyEquals(left, right);
    if (op === '!=') return !pyEquals(left, right);
    const order = pyOrder(left, right);
    if (order === undefined) {
      throw failed(`'${op}' not supported between instances of '${pyType(left)}' and '${pyType(right)}'`);
    }
    return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
  }

  private binary(op: string, a: unknown, b: unknown): unknown {
    if (op === '&' || op === '|') {
      if (a instanceof ConditionBuilder && b instanceof ConditionBuilder) return op === '&' ? a.and(b) : a.or(b);
      if (isInt(a) && isInt(b)) return bitwise(op, a, b);
      throw unsupportedOperands(op, a, b);
    }
    if (a instanceof Field && (op === '<<' || op === '>>' || op === '%')) {
      const value = this.operand(b);
      return op === '<<' ? a.in(value as unknown[]) : op === '>>' ? a.contains(value) : a.regex(value as string);
    }
    if (isQueryBuilder(a) || isQueryBuilder(b)) throw unsupportedOperands(op, a, b);
    switch (op) {
      case '<<':
      case '>>': {
        if (!isInt(a) || !isInt(b)) throw unsupportedOperands(op, a, b);
        const x = Number(a);
        const n = Number(b);
        if (n < 0) throw failed('ValueError: negative shift count');
        if (op === '>>') return n > 1074 ? (x < 0 ? -1 : 0) : Math.floor(x / 2 ** n);
        if (x === 0) return 0;
        if (n > 53) throw failed('integer result out of the supported range');
        return checkedInt(x * 2 ** n);
      }
      case '+':
        return this.add(a, b);
      case '-':
        return this.subtract(a, b);
      case '*':
        return this.multiply(a, b);
      case '/':
        if (isNum(a) && isNum(b)) {
          if (Number(b) === 0) throw failed('ZeroDivisionError: division by zero');
          return checkedNumber(Number(a) / Number(b), false);
        }
        if (a instanceof PyTimedelta && isNum(b)) {
          if (Number(b) === 0) throw failed('ZeroDivisionError: division by zero');
          return makeTimedelta(a.micros / Number(b));
        }
        if (a instanceof PyTimedelta && b instanceof PyTimedelta) {
          if (b.micros === 0) throw failed('ZeroDivisionError: division by zero');
          return a.micros / b.micros;
        }
        throw unsupportedOperands(op, a, b);
      case '%':
        if (isNum(a) && isNum(b)) return checkedNumber(pyMod(Number(a), Number(b)), isInt(a) && isInt(b));
        if (typeof a === 'string') throw failed("string formatting with '%' is not supported");
        throw unsupportedOperands(op, a, b);
    }
    throw rejected(`Binary operator not supported: ${op}`);
  }

  private add(a: unknown, b: unknown): unknown {
    if (isNum(a) && isNum(b)) return checkedNumber(Number(a) + Number(b), isInt(a) && isInt(b));
    if (typeof a === 'string' && typeof b === 'string') {
      if (a.length + b.length > MAX_LITERAL_SIZE) throw failed('literal result is too large');
      return a + b;
    }
    if (Array.isArray(a) && Array.isArray(b)) return repeat([...a, ...b], 1);
    if (a instanceof PyTuple && b instanceof PyTuple) {
      return new PyTuple(repeat([...a.items, ...b.items], 1) as unknown[]);
    }
    if (a instanceof PyTimedelta && b instanceof PyTimedelta) return makeTimedelta(a.micros + b.micros);
    const [dt, td] = a instanceof PyTimedelta ? [b, a] : [a, b];
    if (td instanceof PyTimedelta) {
      if (dt instanceof PyDateTime) return checkDateRange(new PyDateTime(dt.micros + td.micros, dt.offsetMinutes));
      if (dt instanceof PyDate) {
        return dateFromMillis(dateOrdinalMillis(dt) + floorDiv(td.micros, MICROS_PER_DAY) * 86_400_000);
      }
    }
    throw unsupportedOperands('+', a, b);
  }

  private subtract(a: unknown, b: unknown): unknown {
    if (isNum(a) && isNum(b)) return checkedNumber(Number(a) - Number(b), isInt(a) && isInt(b));
    if (a instanceof PyTimedelta && b instanceof PyTimedelta) return makeTimedelta(a.micros - b.micros);
    if (a instanceof PyDateTime && b instanceof PyTimedelta) {
      return checkDateRange(new PyDateTime(a.micros - b.micros, a.offsetMinutes));
    }
    if (a instanceof PyDateTime && b instanceof PyDateTime) {
      if ((a.offsetMinutes === null) !== (b.offsetMinutes === null)) {
        throw failed("TypeError: can't subtract offset-naive and offset-aware datetimes");
      }
      return makeTimedelta(a.micros - b.micros);
    }
    if (a instanceof PyDate && b instanceof PyTimedelta) {
      return dateFromMillis(dateOrdinalMillis(a) - floorDiv(b.micros, MICROS_PER_DAY) * 86_400_000);
    }
    if (a instanceof PyDate && b instanceof PyDate) {
      return makeTimedelta(((dateOrdinalMillis(a) - dateOrdinalMillis(b)) / 86_400_000) * MICROS_PER_DAY);
    }
    throw unsupportedOperands('-', a, b);
  }

  private multiply(a: unknown, b: unknown): unknown {
    if (isNum(a) && isNum(b)) return checkedNumber(Number(a) * Number(b), isInt(a) && isInt(b));
    const [seq, count] = isInt(a) ? [b, a] : [a, b];
    if (isInt(count)) {
      if (typeof seq === 'string' || Array.isArray(seq)) return repeat(seq, Number(count));
      if (seq instanceof PyTuple) return new PyTuple(repeat(seq.items, Number(count)) as unknown[]);
    }
    const [td, factor] = a instanceof PyTimedelta ? [a, b] : [b, a];
    if (td instanceof PyTimedelta && isNum(factor)) return makeTimedelta(td.micros * Number(factor));
    throw unsupportedOperands('*', a, b);
  }

  private unary(op: string, value: unknown): unknown {
    if (op === '~') {
      if (value instanceof ConditionBuilder) return value.not(); // on a bare field: is_falsy
      if (isInt(value)) return checkedInt(-Number(value) - 1);
      throw failed(`bad operand type for unary ~: '${pyType(value)}'`);
    }
    if (isNum(value)) return op === '-' ? -Number(value) : Number(value);
    if (value instanceof PyTimedelta) return op === '-' ? makeTimedelta(-value.micros) : value;
    throw failed(`bad operand type for unary ${op}: '${pyType(value)}'`);
  }

  private primary(node: Extract<Node, { type: 'Primary' }>): unknown {
    let value = this.eval(node.head);
    node.trailers.forEach((trailer, i) => {
      switch (trailer.kind) {
        case 'attr': {
          const called = node.trailers[i + 1]?.kind === 'call';
          value = this.attribute(value, trailer.name, called, trailer.loc);
          break;
        }
        case 'call':
          value = this.call(value, trailer.args, trailer.loc);
          break;
        case 'subscript': {
          const key = this.eval(trailer.index);
          if (value !== QB_ROOT) throw this.at(rejected('Subscript access not allowed in QB expressions'), trailer.loc);
          if (typeof key !== 'string') throw this.at(rejected('QB subscript key must be a string'), trailer.loc);
          value = QB.field(key);
          break;
        }
      }
    });
    return value;
  }

  private attribute(target: unknown, name: string, called: boolean, loc: LocationRange): unknown {
    const notFound = (): never => {
      throw this.at(rejected(called ? `Method not allowed: ${name}` : `Attribute not found: ${name}`), loc);
    };
    if (target === QB_ROOT) {
      if (QB_ENTRIES.has(name) || name === 'all' || name === 'any') return new BoundMethod(QB_ROOT, name);
      throw this.at(rejected(`QB attribute not allowed: ${name}`), loc);
    }
    if (target === DT_MODULE) {
      // dt.timezone is readable (dt.timezone.utc) but not callable.
      if (name === 'timezone' && called) throw this.at(rejected('Method not allowed: timezone'), loc);
      return DT_CLASSES.has(name) ? new DtClass(name as DtClassName) : notFound();
    }
    if (isQueryBuilder(target)) {
      const spec = METHODS.get(name);
      if (spec === undefined) return notFound();
      if (!receives(target, spec.on)) throw this.at(rejected(`Attribute not found: ${name}`), loc);
      return new BoundMethod(target, name);
    }
    const field = dtAttribute(target, name);
    return field === NO_VALUE ? notFound() : field;
  }

  private call(callee: unknown, args: Arg[], loc: LocationRange): unknown {
    const positional: unknown[] = [];
    const keywords = new Map<string, unknown>();
    for (const arg of args) {
      switch (arg.kind) {
        case 'star':
        case 'starstar':
          throw this.at(rejected('AST node type not supported: Starred'), arg.loc);
        case 'kw':
          if (keywords.has(arg.name)) {
            throw this.at(rejected(`Syntax error in QB expression: keyword argument repeated: ${arg.name}`), arg.loc);
          }
          keywords.set(arg.name, this.eval(arg.value));
          break;
        case 'pos':
          positional.push(this.eval(arg.value));
      }
    }
    return this.guard(() => this.invoke(callee, positional, keywords), loc);
  }

  private invoke(callee: unknown, positional: unknown[], keywords: Map<string, unknown>): unknown {
    if (callee instanceof DtClass) return construct(callee.name, positional, keywords);
    if (!(callee instanceof BoundMethod)) throw failed(`'${pyType(callee)}' object is not callable`);
    const { target, name } = callee;
    if (target === QB_ROOT) {
      if (name === 'all' || name === 'any') {
        const args = conditions(bind(name, { params: [], variadic: true }, positional, keywords), name);
        return name === 'all' ? QB.all(...args) : QB.any(...args);
      }
      bind(name, { params: [] }, positional, keywords);
      return (QB_ENTRIES.get(name) as () => Field)();
    }
    const spec = METHODS.get(name) as MethodSpec;
    const values = bind(name, spec, positional, keywords);
    return spec.run(target as never, values, this);
  }

  /** Runs a step, turning builder QueryErrors into evaluation failures. */
  private guard<T>(step: () => T, loc: LocationRange): T {
    try {
      return step();
    } catch (err) {
      if (err instanceof EvalFailure) throw this.at(err, loc);
      if (err instanceof QueryError && !(err as { qb?: boolean }).qb) throw this.at(failed(err.message), loc);
      throw err;
    }
  }

  at(failure: EvalFailure, loc: LocationRange): QueryError {
    const reason = failure.wrapped ? `Failed to parse QB expression: ${failure.reason}` : failure.reason;
    const err = invalid(reason, loc.start);
    // Marks errors already located, so an outer guard does not re-wrap them.
    Object.defineProperty(err, 'qb', { value: true });
    return err;
  }
}
