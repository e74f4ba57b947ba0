export { expandTemplate, requestFacts, type RequestFacts } from './request-variables.ts';
