import * as grpc from '@grpc/grpc-js';

/** A message of the test service: JSON on the wire, so no protoc is needed. */
export interface EchoMessage {
  readonly text: string;
  /** Filled in by the server: the `:authority` the call arrived with. */
  readonly authority?: string;
}

function json<T>(): { serialize: (value: T) => Buffer; deserialize: (bytes: Buffer) => T } {
  return {
    serialize: (value) => Buffer.from(JSON.stringify(value)),
    deserialize: (bytes) => JSON.parse(bytes.toString('utf8')) as T,
  };
}

const codec = json<EchoMessage>();

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/pointsman.test.Echo/${name}`,
    requestStream,
    responseStream,
    requestSerialize: codec.serialize,
    requestDeserialize: codec.deserialize,
    responseSerialize: codec.serialize,
    responseDeserialize: codec.deserialize,
  };
}

/**
 * The test service, hand-written: `Echo` (unary; the text `missing` answers NOT_FOUND),
 * `Count` (server streaming: `text` messages numbered 0..n-1, then the trailer `x-count`), and
 * `Chat` (bidirectional: each message answered at once, upper-cased).
 */
export const ECHO_SERVICE = {
  echo: method('Echo', false, false),
  count: method('Count', false, true),
  chat: method('Chat', true, true),
} satisfies grpc.ServiceDefinition;

/** A running gRPC server with the test service. */
export interface GrpcEcho {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the test service on 127.0.0.1, cleartext, or TLS with `tls` (certificate and key). */
export async function startGrpcEcho(tls?: { certPem: string; keyPem: string }): Promise<GrpcEcho> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    echo: (
      call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>,
      callback: grpc.sendUnaryData<EchoMessage>,
    ) => {
      if (call.request.text === 'missing') {
        callback({ code: grpc.status.NOT_FOUND, details: 'no such text' });
        return;
      }
      callback(null, { text: call.request.text, authority: call.getHost() });
    },
    count: (call: grpc.ServerWritableStream<EchoMessage, EchoMessage>) => {
      const n = Number(call.request.text);
      for (let i = 0; i < n; i++) call.write({ text: String(i) });
      const trailer = new grpc.Metadata();
      trailer.set('x-count', String(n));
      call.end(trailer);
    },
    chat: (call: grpc.ServerDuplexStream<EchoMessage, EchoMessage>) => {
      call.on('data', (message: EchoMessage) => {
        call.write({ text: message.text.toUpperCase() });
      });
      call.on('end', () => {
        call.end();
      });
    },
  });
  const credentials =
    tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(null, [
          { cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) },
        ]);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          resolve();
        });
      }),
  };
}

/** Options of {@link grpcClient}. */
export interface GrpcClientOptions {
  /** The `:authority` the calls carry (the Ingress host). */
  readonly authority: string;
  /** Trust this CA and connect with TLS; cleartext (h2c) when absent. */
  readonly ca?: string;
}

/** A client of the test service for 127.0.0.1:port. */
export function grpcClient(port: number, options: GrpcClientOptions): grpc.Client {
  const credentials =
    options.ca === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(Buffer.from(options.ca));
  return new grpc.Client(`127.0.0.1:${String(port)}`, credentials, {
    'grpc.default_authority': options.authority,
    ...(options.ca === undefined ? {} : { 'grpc.ssl_target_name_override': options.authority }),
  });
}

/** One unary Echo call: the answer, or the error with its gRPC status. */
export function callEcho(client: grpc.Client, text: string): Promise<EchoMessage> {
  const { path, requestSerialize, responseDeserialize } = ECHO_SERVICE.echo;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      requestSerialize,
      responseDeserialize,
      { text },
      (error, value) => {
        if (error !== null || value === undefined) reject(error ?? new Error('no answer'));
        else resolve(value);
      },
    );
  });
}

/** A server-streaming Count call: the messages and the trailing metadata. */
export function callCount(
  client: grpc.Client,
  n: number,
): Promise<{ messages: string[]; trailer: string | undefined; code: grpc.status }> {
  const { path, requestSerialize, responseDeserialize } = ECHO_SERVICE.count;
  return new Promise((resolve, reject) => {
    const messages: string[] = [];
    let trailer: string | undefined;
    const call = client.makeServerStreamRequest(path, requestSerialize, responseDeserialize, {
      text: String(n),
    });
    call.on('data', (message: EchoMessage) => messages.push(message.text));
    call.on('status', (status: grpc.StatusObject) => {
      trailer = status.metadata.get('x-count')[0]?.toString();
      resolve({ messages, trailer, code: status.code });
    });
    call.on('error', reject);
  });
}

/**
 * A bidirectional Chat call that sends each text only after the answer to the previous one
 * arrived: it can only finish if both directions stream at once through the proxy.
 */
export function callChat(client: grpc.Client, texts: readonly string[]): Promise<string[]> {
  const { path, requestSerialize, responseDeserialize } = ECHO_SERVICE.chat;
  return new Promise((resolve, reject) => {
    const answers: string[] = [];
    const call = client.makeBidiStreamRequest(path, requestSerialize, responseDeserialize);
    const sendNext = (): void => {
      const next = texts[answers.length];
      if (next === undefined) call.end();
      else call.write({ text: next });
    };
    call.on('data', (message: EchoMessage) => {
      answers.push(message.text);
      sendNext();
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) resolve(answers);
      else reject(new Error(`status ${String(status.code)}: ${status.details}`));
    });
    call.on('error', reject);
    sendNext();
  });
}
