/**
 * @specstar/storage-sql: the one search → SQL translator of SpecStar's SQL stores, with a
 * dialect per database. No driver dependency: a store brings its driver and runs the text.
 */
export { translateSearch, translateCount, type SqlQuery } from './query';
export type { SqlDialect, SqlDataKey, Residual, HintedSql, MemberKind, Ordering, TextOperator } from './dialect';
export { exact, possiblyTrue, possiblyFalse, unlessUnknown, joinBalanced, joinFlat, type Node } from './nodes';
export { META_COLUMNS, REV_NULL_MASK_COLUMN, isMetaField, type MetaColumn, type MetaKind } from './meta-columns';
export { decodeMetaJson } from './meta-json';

// SQLite
export { SqliteDialect, MAX_SQL_VARIABLES, type SqlValue } from './sqlite/dialect';
export { DATA_COLUMN, DataKey as SqliteDataKey } from './sqlite/data-key';
export { jsonKeyPath, jsonKeyPathLiteral, keyDigest, quoteIdentifier, sqlString } from './sqlite/identifiers';
export { metaColumnValues, metaValueFromColumn, encodedMetaRow, decodeMetaRecord } from './sqlite/meta-row';
export { EVAL_FUNCTION, SORT_KEY_FUNCTION, pendingEvaluationCount, registerSearchFunctions, type SqliteFunctionHost } from './sqlite/search-functions';
export { atomically, type SqliteConnection, type SqliteStatement } from './sqlite/connection';
export { createMetaSchema, prepareMetaStatements, type MetaStatements } from './sqlite/meta-schema';
export { SqliteMetaTable, MAX_AUTO_INDEXES, type SqliteMetaTableOptions } from './sqlite/meta-table';
export { applyMetaCommit, metaRefusal, type SyncMetaTable } from './sqlite/meta-decision';

// PostgreSQL
export { PostgresDialect } from './postgres/dialect';
export { DataKey as PostgresDataKey } from './postgres/data-key';
export { Params, type ParamValue } from './postgres/params';
export { sortKeyHex, sortKeysOf } from './postgres/sort-keys';
export { isJsonExact, isStorableText } from './postgres/text';
