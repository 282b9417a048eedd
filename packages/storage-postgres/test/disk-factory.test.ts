/** PostgresDiskStorageFactory: meta in PostgreSQL, revision payloads under a local rootdir. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpecStar } from '@specstar/core';
import { SimpleStorage } from '@specstar/core/adapter';
import { ConfigurationError } from '@specstar/interfaces';
import { PostgresDiskStorageFactory, PostgresMetaStore } from '../src';
import { createTestDatabase, describePg, type TestDatabase } from './pg';

const Schema = { title: 'Note', type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
let db: TestDatabase;
let rootdir: string;

describePg('PostgresDiskStorageFactory', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-pgdisk-'));
  });
  afterAll(async () => {
    await db?.drop();
    fs.rmSync(rootdir, { recursive: true, force: true });
  });

  it('keeps metas in PostgreSQL and payloads on disk, and both survive a restart', async () => {
    const open = () => {
      const spec = new SpecStar({ storageFactory: new PostgresDiskStorageFactory({ dsn: db.dsn, rootdir, tablePrefix: 'pd_' }), defaultUser: 'u' });
      return { spec, notes: spec.addModel(Schema, { name: 'note', indexedFields: ['text'] }) };
    };
    const first = open();
    expect(first.notes.storage).toBeInstanceOf(SimpleStorage);
    expect(first.notes.storage.capabilities.atomicCommit).toBe(false);
    const { resource_id: id } = await first.notes.create({ text: 'hello' });
    await first.notes.update(id, { text: 'again' });
    await first.spec.close();

    const metaRows = await db.sql.unsafe(`SELECT resource_id, total_revision_count FROM pd_note_meta`);
    expect(metaRows.map((row) => [row['resource_id'], Number(row['total_revision_count'])])).toEqual([[id, 2]]);
    expect(fs.readdirSync(path.join(rootdir, 'note')).length).toBeGreaterThan(0);

    const second = open();
    try {
      expect((await second.notes.get(id)).data).toEqual({ text: 'again' });
      expect(await second.notes.count({ conditions: [{ type: 'DataSearchCondition', field_path: 'text', operator: 'eq', value: 'again', transform: null }], limit: 10, offset: 0 })).toBe(1);
    } finally {
      await second.spec.close();
    }
  });

  it('needs a rootdir', () => {
    expect(() => new PostgresDiskStorageFactory({ dsn: db.dsn, rootdir: '' })).toThrow(ConfigurationError);
  });

  it('its meta store is PostgresMetaStore', async () => {
    const factory = new PostgresDiskStorageFactory({ dsn: db.dsn, rootdir, tablePrefix: 'pd2_' });
    try {
      const storage = factory.build('note') as SimpleStorage;
      expect(storage.metaStore).toBeInstanceOf(PostgresMetaStore);
    } finally {
      await factory.close();
    }
  });
});
