/**
 * Typed models without a run-time dependency: a TypeBox schema (`Type.Object(...)`) declares its data
 * type as the phantom `static` property, so reading that property's type is all the inference needs.
 * Core never imports TypeBox; any schema object with a typed `static` works the same way.
 */
export interface TypedSchema<T = unknown> {
  readonly static: T;
}

/** The data type a schema declares (`Static<typeof schema>` for TypeBox), or `unknown` for plain JSON Schema. */
export type DataOf<S> = S extends { readonly static: infer T } ? T : unknown;

/**
 * What a write accepts: for a typed model, the model's fields with their types, each optional —
 * a misspelt field or a wrong value type is a compile error, while a field the schema fills with
 * its default may be left out (required fields are checked at run time, as for every model).
 * Anything for plain JSON Schema.
 */
export type WriteData<T> = unknown extends T ? unknown : T extends object ? Partial<T> : T;
