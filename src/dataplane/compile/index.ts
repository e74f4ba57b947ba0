export { compileRouteTable, type CompiledTable } from './compile-table.ts';
