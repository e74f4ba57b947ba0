export {
  ControlLoop,
  type ControlLoopOptions,
  type ControlStatus,
  type RebuildEvent,
  type RebuildListener,
  type TableSink,
} from './control-loop.ts';
export { FilesSource, type FilesSourceOptions } from './files-source.ts';
export { keepObjectsOfBrokenFiles, type KeptLoad } from './keep-broken-files.ts';
export {
  translateKeepingLastGood,
  type LastGoodTranslation,
  type ServedIngresses,
} from './last-good.ts';
export { summaryOf, type RebuildSummary } from './report.ts';
