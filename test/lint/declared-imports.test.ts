/**
 * Every package src/ imports must be a declared dependency: one that arrives only as another
 * package's peer or sub-dependency (quickjs-wasi through pac-resolver did) vanishes under
 * --legacy-peer-deps or a hoisting change, and the installed tool crashes on start.
 * Specifiers come from TypeScript's own pre-parser (static, export-from, dynamic import) plus
 * require.resolve('pkg/...') calls, which load files by package name too.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
const DECLARED = new Set(Object.keys(pkg.dependencies ?? {}));
// Tests and benches may also use devDependencies, but not a package that only arrives inside
// another one (Ajv came with eslint: an eslint upgrade to another Ajv would break the matrix test).
const DECLARED_FOR_TESTS = new Set([...DECLARED, ...Object.keys(pkg.devDependencies ?? {})]);
const BUILTINS = new Set(builtinModules);

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'); undefined for relative paths and builtins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

function specifiersIn(source: string): string[] {
  const pre = ts.preProcessFile(source, true, true);
  const found = pre.importedFiles.map((f) => f.fileName);
  for (const m of source.matchAll(/(?:[rR]equire\([^)]*\)|require)\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(ts|mts|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

function undeclared(files: string[], declared: ReadonlySet<string> = DECLARED, where = 'dependencies'): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const s of specifiersIn(fs.readFileSync(f, 'utf8'))) {
      const name = packageOf(s);
      if (name && !declared.has(name)) out.push(`${f}: '${s}' (package ${name} is not in package.json ${where})`);
    }
  }
  return out;
}

describe('declared imports', () => {
  it('every bare import under src/ is a package.json dependency', () => {
    const files = sourceFiles('src');
    expect(files.length).toBeGreaterThan(50);
    expect(undeclared(files)).toEqual([]);
  });

  it('every bare import under test/ and bench/ is a dependency or devDependency', () => {
    // This file's own planted specifiers are examples, not imports.
    const files = [...sourceFiles('test'), ...sourceFiles('bench')].filter((f) => path.resolve(f) !== path.resolve('test/lint/declared-imports.test.ts'));
    expect(files.length).toBeGreaterThan(50);
    expect(undeclared(files, DECLARED_FOR_TESTS, 'dependencies or devDependencies')).toEqual([]);
  });

  it('finds static, type, export-from, dynamic and require.resolve specifiers', () => {
    const src = [
      "import { a } from 'left-pad';",
      "import type { B } from '@scope/pkg/sub';",
      "export { c } from './local.js';",
      "const d = await import('lazy-pkg');",
      "const wasm = createRequire(import.meta.url).resolve('wasm-pkg/file.wasm');",
      "import fs from 'node:fs'; import path from 'path'; path.resolve('not-a-package');",
    ].join('\n');
    const names = specifiersIn(src).map(packageOf).filter(Boolean);
    expect(names.sort()).toEqual(['@scope/pkg', 'lazy-pkg', 'left-pad', 'wasm-pkg']);
  });

  it('fails on a package that is only a peer or a devDependency', () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'declared-'));
    const planted = path.join(dir, 'planted.ts');
    fs.writeFileSync(planted, "import { chromium } from 'playwright-core';\nimport { QuickJS } from 'quickjs-wasi';\n");
    try {
      const problems = undeclared([planted]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('playwright-core');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
