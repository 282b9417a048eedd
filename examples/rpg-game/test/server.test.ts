import { exitOnSignals, startServer, type RunningServer } from '../src/server';

describe('startServer', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('listens on loopback, seeds on request, and serves the API', async () => {
    const lines: string[] = [];
    running = await startServer({ port: 0, seed: true, log: (line) => lines.push(line) });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toEqual(['seeded 2 guilds, 4 characters, 3 items']);
    const count = await fetch(`${running.url}/character/count`);
    expect(count.status).toBe(200);
    expect(await count.json()).toBe(4);
  });

  it('close() stops listening even with an idle keep-alive connection open', async () => {
    running = await startServer({ port: 0, log: () => {} });
    const { url, server } = running;
    expect((await fetch(`${url}/guild/count`)).status).toBe(200); // leaves a keep-alive socket
    await running.close();
    expect(server.listening).toBe(false);
    await expect(fetch(`${url}/guild/count`)).rejects.toThrow();
    running = undefined;
  });

  it('honours a prefix in the printed URL', async () => {
    running = await startServer({ port: 0, prefix: '/api', log: () => {} });
    expect(running.url).toMatch(/\/api$/);
    expect((await fetch(`${running.url}/docs`)).status).toBe(200);
  });
});

describe('exitOnSignals', () => {
  it('closes the server on SIGTERM and exits 0', async () => {
    const running = await startServer({ port: 0, log: () => {} });
    const lines: string[] = [];
    const exited = new Promise<number>((resolve) => {
      const remove = exitOnSignals(running, (line) => lines.push(line), (code) => {
        remove();
        resolve(code);
      });
    });
    process.emit('SIGTERM');
    expect(await exited).toBe(0);
    expect(running.server.listening).toBe(false);
    expect(lines).toEqual([
      'shutting down signal=SIGTERM',
      'stopped accepting connections; waiting for requests in flight timeoutMs=10000',
      'shutdown complete signal=SIGTERM forced=false',
    ]);
  });

  it('a second signal exits at once with 1', async () => {
    const running = await startServer({ port: 0, log: () => {} });
    const codes: number[] = [];
    const remove = exitOnSignals(running, () => {}, (code) => codes.push(code));
    process.emit('SIGINT');
    process.emit('SIGINT');
    expect(codes).toEqual([1]);
    await running.close();
    remove();
    expect(codes).toEqual([1, 0]);
  });
});
