/** What a command prints on stdout: human lines, or one JSON document with --json. */
export interface Output {
  line(text: string): void;
  json(value: unknown): void;
}

export const stdout: Output = {
  line: (text) => process.stdout.write(`${text}\n`),
  json: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
};
