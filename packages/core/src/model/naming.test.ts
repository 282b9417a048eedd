import { ConfigurationError } from '@specstar/interfaces';
import { assertValidModelName, deriveModelName, toCamelCase, toKebabCase, toPascalCase, toSnakeCase } from './naming';
import { catchError } from '../../test/catch-error';


describe('case conversions', () => {
  it.each([
    // input,        snake,          kebab,          camel,         pascal
    ['UserProfile', 'user_profile', 'user-profile', 'userProfile', 'UserProfile'],
    ['HTTPServer', 'http_server', 'http-server', 'httpServer', 'HttpServer'],
    ['userID', 'user_id', 'user-id', 'userId', 'UserId'],
    ['user_profile', 'user_profile', 'user-profile', 'userProfile', 'UserProfile'],
    ['user-profile', 'user_profile', 'user-profile', 'userProfile', 'UserProfile'],
    ['Item', 'item', 'item', 'item', 'Item'],
    ['Item2Name', 'item2_name', 'item2-name', 'item2Name', 'Item2Name'],
    ['Character Sheet', 'character_sheet', 'character-sheet', 'characterSheet', 'CharacterSheet'],
  ])('%s', (input, snake, kebab, camel, pascal) => {
    expect(toSnakeCase(input)).toBe(snake);
    expect(toKebabCase(input)).toBe(kebab);
    expect(toCamelCase(input)).toBe(camel);
    expect(toPascalCase(input)).toBe(pascal);
  });
});

describe('deriveModelName', () => {
  it('uses the title, kebab-cased by default', () => {
    expect(deriveModelName({ title: 'UserProfile' })).toBe('user-profile');
    expect(deriveModelName({ title: 'HTTPServer' })).toBe('http-server');
  });

  it('applies each naming convention', () => {
    const schema = { title: 'UserProfile' };
    expect(deriveModelName(schema, 'snake')).toBe('user_profile');
    expect(deriveModelName(schema, 'camel')).toBe('userProfile');
    expect(deriveModelName(schema, 'pascal')).toBe('UserProfile');
    expect(deriveModelName(schema, 'same')).toBe('UserProfile');
    expect(deriveModelName(schema, (name) => `${name.toLowerCase()}s`)).toBe('userprofiles');
  });

  it('falls back to the last segment of $id without .json', () => {
    expect(deriveModelName({ $id: 'https://example.com/schemas/GameCharacter.json' })).toBe('game-character');
    expect(deriveModelName({ $id: 'urn:x/Guild' }, 'same')).toBe('Guild');
  });

  it('prefers the title over $id', () => {
    expect(deriveModelName({ title: 'Guild', $id: 'https://x/Other.json' })).toBe('guild');
  });

  it('rejects a schema with neither title nor $id', () => {
    expect(catchError(() => deriveModelName({ type: 'object' }))).toBeInstanceOf(ConfigurationError);
    expect(catchError(() => deriveModelName({ title: '  ' }))).toBeInstanceOf(ConfigurationError);
  });

  it('rejects a derived name that is not URL-path-safe', () => {
    expect(catchError(() => deriveModelName({ title: 'User Profile' }, 'same'))).toBeInstanceOf(ConfigurationError);
  });

  it('rejects an unknown convention', () => {
    expect(catchError(() => deriveModelName({ title: 'A' }, 'upper' as never))).toBeInstanceOf(ConfigurationError);
  });
});

describe('assertValidModelName', () => {
  it.each(['user', 'user-profile', 'user_profile', 'v1.item', 'Item2'])('accepts %s', (name) => {
    expect(() => assertValidModelName(name)).not.toThrow();
  });

  it.each(['', '-user', '.hidden', 'a/b', 'a b', 'a?b', 'ünï'])('rejects %j', (name) => {
    expect(catchError(() => assertValidModelName(name))).toBeInstanceOf(ConfigurationError);
  });
});
