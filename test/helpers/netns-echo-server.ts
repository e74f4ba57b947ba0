/**
 * One test "Pod" of `netns-pods.ts`, run inside its network namespace through `ip netns exec`:
 * with ADDRESS PORT COUNT_FILE as its last three arguments, it listens on 0.0.0.0:PORT and
 * answers every request with 200, `text/plain` and ADDRESS as the body, after writing the number
 * of requests so far to COUNT_FILE.
 *
 * Standard output, one line each: `listening PORT` once listening, `stopped`. Standard input,
 * one command a line: `stop` closes the listener and every connection (the address then refuses
 * connections, as a dead Pod's does), `start` listens again on the same port. The end of
 * standard input means the parent is gone (even by SIGKILL): the process exits.
 *
 * Keep this file plain JavaScript (no type syntax, no import statement; tsc and eslint still
 * check it): `netns-pods.ts` runs its text as `node -e TEXT`, a CommonJS script, which starts
 * without the ES module loader and the type stripper that running the file would need. On this
 * repo's 2-core machine that took 30 to 55 ms of CPU per start instead of 100 to 160 ms (10
 * starts each under `/usr/bin/time`), and 48 MB instead of 78 MB. Type syntax here fails every
 * Pod's start with a SyntaxError.
 */
const { openSync, writeSync } = process.getBuiltinModule('node:fs');
const { createServer } = process.getBuiltinModule('node:http');
const { createInterface } = process.getBuiltinModule('node:readline');

const [address = '', portArgument = '', countFile = ''] = process.argv.slice(-3);
const port = Number(portArgument);
const counter = openSync(countFile, 'w');
let count = 0;

const say = (line = '') => {
  writeSync(1, `${line}\n`);
};

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    count += 1;
    // Fixed width, written in place: a reader never sees a shorter, older tail.
    writeSync(counter, String(count).padStart(15), 0);
    response.setHeader('content-type', 'text/plain');
    response.end(address);
  });
});
server.on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

function listen() {
  if (server.listening) {
    say(`listening ${String(port)}`);
    return;
  }
  server.listen(port, '0.0.0.0', () => {
    say(`listening ${String(port)}`);
  });
}

createInterface({ input: process.stdin })
  .on('line', (command) => {
    if (command === 'stop') {
      server.close(() => {
        say('stopped');
      });
      server.closeAllConnections();
    } else if (command === 'start') {
      listen();
    }
  })
  .on('close', () => process.exit(0));

listen();
