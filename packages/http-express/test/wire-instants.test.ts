import { toJsonText } from '../src/wire';

/** toJsonText writes instants itself where it can (faster than Date#toJSON): the text must be JSON.stringify's, byte for byte. */
describe('toJsonText and instants', () => {
  const at = new Date('2025-01-02T03:04:05.006Z');
  const later = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 7));
  const cases: Array<[string, unknown]> = [
    ['a bare instant', at],
    ['an invalid Date (null, as toJSON gives)', { created_time: new Date(Number.NaN) }],
    ['an envelope', { data: { name: 'x', when: at }, revision_info: { created_time: at, updated_time: later }, meta: { created_time: at, indexed_data: { at } } }],
    ['a list of envelopes', [{ meta: { updated_time: later } }, { meta: { updated_time: at }, data: { deep: { deeper: { at } } } }]],
    ['an instant beyond year 9999', { created_time: new Date(Date.UTC(12000, 0, 1)) }],
    ['class instances and arrays of instants', { list: [at, later], map: new Map([['a', 1]]) }],
  ];

  it.each(cases)('%s', (_name, body) => {
    expect(toJsonText(body)).toBe(JSON.stringify(body));
  });

  it('leaves the caller body untouched', () => {
    const body = { revision_info: { created_time: at } };
    toJsonText(body);
    expect(body.revision_info.created_time).toBe(at);
  });

  it('with bytes: base64 as before, instants alike', () => {
    const body = { data: { file: { data: new Uint8Array([1, 2, 3]) } }, revision_info: { created_time: at } };
    expect(toJsonText(body, true)).toBe('{"data":{"file":{"data":"AQID"}},"revision_info":{"created_time":"2025-01-02T03:04:05.006Z"}}');
  });
});
