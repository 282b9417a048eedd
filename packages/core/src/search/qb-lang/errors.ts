import { QueryError } from '@specstar/interfaces';
import type { Position } from './syntax';

export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return { offset, line, column };
}

export function invalid(reason: string, position?: Position): QueryError {
  return new QueryError(`Invalid QB expression: ${reason}`, position);
}

/** An error from evaluating the expression; `wrapped` ones read "Failed to parse QB expression: <reason>". */
export class EvalFailure {
  constructor(
    readonly reason: string,
    readonly wrapped: boolean,
  ) {}
}

export function rejected(reason: string): EvalFailure {
  return new EvalFailure(reason, false);
}
export function failed(reason: string): EvalFailure {
  return new EvalFailure(reason, true);
}
