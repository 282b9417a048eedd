/** Requests of the upload-session suites. */
import type { BlobUploadSession } from '@specstar/interfaces';
import type { TestServer } from './helpers';

export const BASE = '/blobs/upload-sessions';

export async function createSession(server: TestServer, body: object = {}, user?: string): Promise<BlobUploadSession> {
  const req = server.http.post(BASE);
  if (user !== undefined) req.set('X-User', user);
  return (await req.send(body).expect(200)).body as BlobUploadSession;
}

/** PUT of one part as multipart part `file`. */
export function sendPart(server: TestServer, id: string, part: number | string, bytes: Buffer | string, user?: string) {
  const req = server.http.put(`${BASE}/${id}/content?part_number=${part}`);
  if (user !== undefined) req.set('X-User', user);
  return req.attach('file', Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), { filename: 'part', contentType: 'application/octet-stream' });
}

/** The bytes GET /blobs/{file_id} answers (as `user`). */
export async function download(server: TestServer, fileId: string, user?: string): Promise<Buffer> {
  const req = server.http.get(`/blobs/${fileId}`);
  if (user !== undefined) req.set('X-User', user);
  const res = await req
    .buffer(true)
    .parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    })
    .expect(200);
  return res.body as Buffer;
}
