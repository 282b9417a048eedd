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
