export {
  IncrementalTranslator,
  type IncrementalTranslation,
  type TranslationStep,
} from './incremental-translator.ts';
