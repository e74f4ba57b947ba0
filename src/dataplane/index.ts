export * from './compile/index.ts';
export { TableHolder } from './table-holder.ts';
