/**
 * The spellings Go's strconv.ParseBool accepts, which ingress-nginx reads every boolean
 * annotation with: `1`, `t`, `T`, `TRUE`, `true`, `True` and their false forms. Anything else is
 * not a boolean (and the annotation is ignored with a problem).
 */
export const GO_TRUE: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** The false spellings of {@link GO_TRUE}. */
export const GO_FALSE: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
