/**
 * A rollup plugin that inlines layout.ts's offset accessors into the bundle: every call of an
 * exported one-expression arrow function of dist/layout.js (`slotWord(at, SLOT_HASH)`,
 * `shardWord(s, S_LOCK)`, `slotOffset(table, capacity, slot)`, ...) becomes its expression with the
 * arguments put in for the parameters (`(at >> 2) + 0`).
 *
 * Why: layout.ts owns every offset, so the engines call it instead of doing `(x >> 2) + FIELD`
 * themselves, and V8 inlines such a call only while its caller's inlining budget lasts. On the
 * long write paths the budget ran out and the accessors became real calls: syncmap swap spent
 * ~180 of its ~2,470 instructions a call in slotOffset, slotWord and slotF64 alone (callgrind
 * with --perf-basic-prof). Inlined at build time they cost what the arithmetic costs, wherever
 * they are used, and the sources keep one owner of every offset.
 *
 * Safety. A call is rewritten only when it cannot change what runs: its arguments are as many as
 * the parameters, and either every argument is free of side effects (no call, new, assignment,
 * update, await, yield, delete) or the body uses each parameter exactly once, in order. Anything
 * else stays a call. An accessor's body may call another accessor: the rewrite repeats until no
 * call is left to inline. The accessor definitions stay in the bundle (other modules' code or a
 * call that was not rewritten may use them); every name must be a top-level binding of the
 * chunk, or the build fails (a renamed binding would silently not be inlined).
 */
import { readFileSync } from 'node:fs';

const SIDE_EFFECTS = new Set(['CallExpression', 'NewExpression', 'AssignmentExpression', 'UpdateExpression', 'AwaitExpression', 'YieldExpression', 'ImportExpression', 'TaggedTemplateExpression']);

/** The child nodes of `node`, each with the key it sits under. */
function* children(node) {
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v.type === 'string') yield [key, v];
    } else if (value && typeof value.type === 'string') yield [key, value];
  }
}

/** The identifiers in `node` that are references (not a property's name), in source order. */
function references(node, parent = undefined, key = undefined, out = []) {
  if (node.type === 'Identifier') {
    const isName = parent && !parent.computed && ((parent.type === 'MemberExpression' && key === 'property') || (parent.type === 'Property' && key === 'key'));
    if (!isName) out.push(node);
    return out;
  }
  for (const [k, child] of children(node)) references(child, node, k, out);
  return out;
}

function pure(node) {
  if (SIDE_EFFECTS.has(node.type)) return false;
  if (node.type === 'UnaryExpression' && node.operator === 'delete') return false;
  for (const [, child] of children(node)) if (!pure(child)) return false;
  return true;
}

/** The identifiers of `body` that name a parameter, in source order. */
const paramUses = (body, params) => references(body).filter((id) => params.includes(id.name));

/** Accessor names of a dist module: its exported `const name = (params) => expression;`s. */
function accessorNames(parse, path) {
  const ast = parse(readFileSync(path, 'utf8'));
  const names = [];
  for (const node of ast.body) {
    const decl = node.type === 'ExportNamedDeclaration' ? node.declaration : undefined;
    if (decl?.type !== 'VariableDeclaration') continue;
    for (const d of decl.declarations) {
      const f = d.init;
      if (f?.type === 'ArrowFunctionExpression' && f.body.type !== 'BlockStatement' && f.params.every((p) => p.type === 'Identifier')) names.push(d.id.name);
    }
  }
  return names;
}

/**
 * An accessor's body names top-level constants (TABLE_HEADER_BYTES, ...); put in at a call site
 * they must still mean those. Rather than a scope analysis: no declaration below the top level
 * anywhere in the chunk may use such a name, or the build fails.
 */
function checkNotShadowed(ast, defs) {
  const free = new Set();
  for (const def of defs.values()) for (const id of references(def.body)) if (!def.params.includes(id.name)) free.add(id.name);
  const topLevel = new Set(ast.body.filter((n) => n.type === 'VariableDeclaration').flatMap((n) => n.declarations));
  const declared = (node) => {
    const names = [];
    if (node.type === 'VariableDeclarator' && !topLevel.has(node)) collectPattern(node.id, names);
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') for (const p of node.params) collectPattern(p, names);
    if (node.type === 'CatchClause' && node.param) collectPattern(node.param, names);
    for (const n of names) if (free.has(n)) throw new Error(`inline-accessors: ${n}, named by a layout accessor, is declared again inside the chunk`);
    for (const [, child] of children(node)) declared(child);
  };
  declared(ast);
}

function collectPattern(p, out) {
  if (p.type === 'Identifier') out.push(p.name);
  else if (p.type === 'AssignmentPattern') collectPattern(p.left, out);
  else if (p.type === 'RestElement') collectPattern(p.argument, out);
  else if (p.type === 'ArrayPattern') for (const e of p.elements) e && collectPattern(e, out);
  else if (p.type === 'ObjectPattern') for (const q of p.properties) collectPattern(q.type === 'RestElement' ? q.argument : q.value, out);
}

/** One pass over `code`: the calls of `accessors` rewritten, or undefined if there was none. */
function inlineOnce(parse, code, names) {
  const ast = parse(code);
  const defs = new Map();
  for (const node of ast.body) {
    if (node.type !== 'VariableDeclaration') continue;
    for (const d of node.declarations) {
      if (d.id.type === 'Identifier' && names.includes(d.id.name) && d.init?.type === 'ArrowFunctionExpression') {
        const params = d.init.params.map((p) => p.name);
        const body = d.init.body;
        defs.set(d.id.name, { params, body, uses: paramUses(body, params), node: d.init });
      }
    }
  }
  for (const name of names) if (!defs.has(name)) throw new Error(`inline-accessors: layout accessor ${name} is not a top-level binding of the chunk (renamed?)`);
  checkNotShadowed(ast, defs);

  // The outermost rewritable calls, in source order; a call inside an argument of one is left for
  // the next pass, as are the calls an accessor's own body makes.
  const defNodes = new Set([...defs.values()].map((d) => d.node));
  const calls = [];
  const walk = (node) => {
    if (defNodes.has(node)) return;
    if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && defs.has(node.callee.name)) {
      const def = defs.get(node.callee.name);
      const args = node.arguments;
      const inOrderOnce = def.uses.length === def.params.length && def.uses.every((u, i) => u.name === def.params[i]);
      if (args.length === def.params.length && args.every((a) => a.type !== 'SpreadElement') && (inOrderOnce || args.every(pure))) {
        calls.push({ node, def });
        return;
      }
    }
    for (const [, child] of children(node)) walk(child);
  };
  walk(ast);
  if (calls.length === 0) return undefined;

  let out = '';
  let at = 0;
  for (const { node, def } of calls) {
    const args = node.arguments.map((a) => code.slice(a.start, a.end));
    let body = '';
    let b = def.body.start;
    for (const use of def.uses) {
      body += code.slice(b, use.start) + '(' + args[def.params.indexOf(use.name)] + ')';
      b = use.end;
    }
    out += code.slice(at, node.start) + '(' + body + code.slice(b, def.body.end) + ')';
    at = node.end;
  }
  return out + code.slice(at);
}

/** `modulePaths`: the dist/*.js files whose exported one-expression arrows are inlined. */
export function inlineAccessors(modulePaths) {
  return {
    name: 'inline-accessors',
    renderChunk(code, chunk) {
      if (!modulePaths.every((path) => chunk.moduleIds.includes(path))) return null;
      const parse = (c) => this.parse(c);
      const names = modulePaths.flatMap((path) => accessorNames(parse, path));
      let out = code;
      for (let pass = 0; ; pass++) {
        if (pass === 8) throw new Error('inline-accessors: accessors still call accessors after 8 passes');
        const next = inlineOnce(parse, out, names);
        if (next === undefined) break;
        out = next;
      }
      return { code: out, map: null };
    },
  };
}
