import path from 'node:path'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'
import plugin from '../scripts/eslint/client-imports.mjs'

// The lint rule that keeps server modules out of client bundles (docs/architecture.md, layers), run
// on snippets placed in the real tree: its imports resolve against the project's own files.
const root = path.resolve(import.meta.dirname, '..')
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts', '**/*.tsx'],
      languageOptions: { parser: tseslint.parser },
      plugins: { gateway: plugin },
      rules: {
        'gateway/client-imports': [
          'error',
          { root, clientModules: ['components/', 'lib/vocabulary/'], packages: ['react', 'next/navigation'] },
        ],
      },
    },
  ],
})

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) })
  return (result?.messages ?? []).map((m) => `${m.line}: ${m.message.split(':')[0] ?? ''}`)
}

describe('gateway/client-imports', () => {
  it('lets client code import client modules, listed packages, types and server actions', async () => {
    const code = [
      "'use client'",
      "import { useState } from 'react'",
      "import { useRouter } from 'next/navigation'",
      "import { SESSION_STATUSES } from '@/lib/vocabulary/statuses'",
      "import { formatDuration } from '@/components/ui/format'",
      "import type { Runtime } from '@/lib/runtime'",
      "import { type AppError } from '@/lib/errors'",
      "import { loginAction } from '@/app/login/actions'",
    ].join('\n')
    expect(await problems('app/login/probe.tsx', code)).toEqual([])
  })

  it("refuses a server module's values in a 'use client' file and anywhere under components/", async () => {
    const server = "import { getRuntime } from '@/lib/runtime'"
    expect(await problems('app/login/probe.tsx', `'use client'\n${server}`)).toEqual(["2: '@/lib/runtime' is not client-safe"])
    expect(await problems('components/ui/probe.tsx', server)).toEqual(["1: '@/lib/runtime' is not client-safe"])
    expect(await problems('components/ui/probe.tsx', "export { isAppError } from '@/lib/errors'")).toEqual([
      "1: '@/lib/errors' is not client-safe",
    ])
    expect(await problems('components/ui/probe.tsx', "import { z } from 'zod'")).toEqual([
      "1: Package 'zod' is not on the client-safe package list in eslint.config.mjs.",
    ])
  })

  it('leaves server code alone', async () => {
    expect(await problems('app/login/probe.tsx', "import { getRuntime } from '@/lib/runtime'")).toEqual([])
  })
})
