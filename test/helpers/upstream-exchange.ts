import type {
  TrailerFields,
  UpstreamController,
  UpstreamDispatcher,
  UpstreamRequest,
} from '../../src/dataplane/upstream/index.ts';

/** One upstream answer as a handler saw it. */
export interface UpstreamOutcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  trailers: TrailerFields;
}

/**
 * Dispatches one request (GET / with a Host, unless `request` says otherwise) and collects the
 * answer; rejects with the error the handler got. `onStart` receives the controller.
 */
export function sendUpstream(
  dispatcher: Pick<UpstreamDispatcher, 'dispatch'>,
  request: Partial<UpstreamRequest> = {},
  onStart?: (controller: UpstreamController) => void,
): Promise<UpstreamOutcome> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: UpstreamOutcome['headers'] = {};
    dispatcher.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'up.example.com'], body: null, ...request },
      {
        onRequestStart: (controller) => onStart?.(controller),
        onResponseStart: (_controller, statusCode, responseHeaders) => {
          status = statusCode;
          headers = responseHeaders;
        },
        onResponseData: (_controller, chunk) => chunks.push(chunk),
        onResponseEnd: (_controller, trailers) => {
          resolve({ status, headers, body: Buffer.concat(chunks).toString(), trailers });
        },
        onResponseError: (_controller, error) => {
          reject(error);
        },
      },
    );
  });
}
