export { translate, type Translation } from './translate.ts';
export { DEFAULT_TRANSLATE_OPTIONS, type TranslateOptions } from './options.ts';
export { LEGACY_CLASS_ANNOTATION } from './ingress-class.ts';
export type * from './ingress-spec.ts';
