import { defineConfig } from 'vitest/config'
import projects from './vitest.workspace.ts'

export default defineConfig({
  test: {
    // Vitest 4 ignores vitest.workspace.ts on its own, so its project list is passed in here.
    projects,
  },
})
