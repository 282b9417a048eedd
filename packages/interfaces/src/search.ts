/** Wire operator strings of a search condition (exact). */
export const DataSearchOperator = {
  equals: 'eq',
  not_equals: 'ne',
  greater_than: 'gt',
  greater_than_or_equal: 'gte',
  less_than: 'lt',
  less_than_or_equal: 'lte',
  contains: 'contains',
  starts_with: 'starts_with',
  ends_with: 'ends_with',
  in_list: 'in',
  not_in_list: 'not_in',
  is_null: 'is_null',
  exists: 'exists',
  isna: 'isna',
  regex: 'regex',
} as const;
export type DataSearchOperator = (typeof DataSearchOperator)[keyof typeof DataSearchOperator];
export const DATA_SEARCH_OPERATORS: ReadonlySet<string> = new Set(Object.values(DataSearchOperator));

export const DataSearchLogicOperator = { and_op: 'and', or_op: 'or', not_op: 'not' } as const;
export type DataSearchLogicOperator =
  (typeof DataSearchLogicOperator)[keyof typeof DataSearchLogicOperator];

/** The only field transform: compare the length of a string, list or map. */
export const FieldTransform = { length: 'len' } as const;
export type FieldTransform = (typeof FieldTransform)[keyof typeof FieldTransform];

export interface DataSearchCondition {
  type: 'DataSearchCondition';
  field_path: string;
  operator: DataSearchOperator;
  value: unknown;
  transform: FieldTransform | null;
}

export interface DataSearchGroup {
  type: 'DataSearchGroup';
  operator: DataSearchLogicOperator;
  conditions: SearchFilter[];
}

export type SearchFilter = DataSearchCondition | DataSearchGroup;

export const ResourceMetaSortDirection = { ascending: '+', descending: '-' } as const;
export type SortDirection = (typeof ResourceMetaSortDirection)[keyof typeof ResourceMetaSortDirection];

/** Meta attributes a meta sort may use. The first three are the upstream set. */
export const META_SORT_KEYS = [
  'created_time',
  'updated_time',
  'resource_id',
  'current_revision_id',
  'created_by',
  'updated_by',
  'is_deleted',
  'schema_version',
  'total_revision_count',
  'rev_created_time',
  'rev_updated_time',
] as const;
export type ResourceMetaSortKey = (typeof META_SORT_KEYS)[number];

/** Sort on a meta attribute. Wire form: `{"type":"meta","key":K,"direction":D}`. */
export interface ResourceMetaSearchSort {
  type: 'meta';
  key: ResourceMetaSortKey;
  direction: SortDirection;
}

/** Sort on an indexed data path. Wire form: `{"type":"data","field_path":P,"direction":D}`. */
export interface ResourceDataSearchSort {
  type: 'data';
  field_path: string;
  direction: SortDirection;
}

export type SearchSort = ResourceMetaSearchSort | ResourceDataSearchSort;

/**
 * A search over the metas of one model. All present criteria are AND-ed; offset and limit
 * apply after filtering and sorting; ties after the given sorts order by resource_id.
 */
export interface ResourceMetaSearchQuery {
  is_deleted?: boolean;
  created_time_start?: Date;
  created_time_end?: Date;
  updated_time_start?: Date;
  updated_time_end?: Date;
  created_bys?: string[];
  updated_bys?: string[];
  /** Deprecated: evaluated against indexed_data only. */
  data_conditions?: SearchFilter[];
  /** Evaluated against meta attributes first, then indexed_data. */
  conditions?: SearchFilter[];
  limit: number;
  offset: number;
  sorts?: SearchSort[];
}

export const DEFAULT_QUERY_LIMIT = 10;
