// cloudflare:workers for the Node push above: the platform proxy's bindings.
export const env = globalThis.__quickStartEnv
export const waitUntil = () => {}
