import type { AddressInfo } from 'node:net';
import express from 'express';
import { mount } from '@specstar/http-express';
import { openApp, type AppOptions } from '../context';
import type { Output } from '../output';

export interface ServeOptions extends AppOptions {
  host: string;
  port: number;
  prefix?: string;
  json?: boolean;
}

/** Serves the models of the module over HTTP with /docs and /openapi.json until SIGINT or SIGTERM. */
export async function serveCommand(options: ServeOptions, out: Output): Promise<void> {
  const spec = await openApp(options);
  const app = express();
  mount(app, spec, { ...(options.prefix !== undefined && { prefix: options.prefix }) });
  const server = app.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host}:${port}${options.prefix ?? ''}`;
  if (options.json) out.json({ url, docs: `${url}/docs`, models: [...spec.resourceManagers.keys()] });
  else out.line(`Serving ${spec.resourceManagers.size} model(s) on ${url} (docs at ${url}/docs)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await spec.close();
}
