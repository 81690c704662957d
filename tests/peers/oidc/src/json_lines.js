// JSON.parse that also knows the line of every value, so a config error
// can say `file:line: message`. parseWithLines(text) returns { value, lineOf }
// where lineOf(path) is the line of the value at `path` ('' for the root,
// 'users[1].mfa'), or of its nearest ancestor that has one. A syntax error
// throws JsonSyntaxError carrying the line.

export class JsonSyntaxError extends Error {
  constructor(line, message) {
    super(message);
    this.line = line;
  }
}

const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

export function parseWithLines(text) {
  const lines = new Map();
  let i = 0;
  let line = 1;
  const fail = (message) => {
    throw new JsonSyntaxError(line, message);
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') line += 1;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
      i += 1;
    }
  };
  const token = (pattern, what) => {
    pattern.lastIndex = i;
    const m = pattern.exec(text);
    if (!m) fail(i >= text.length ? 'the JSON ends early' : `${what} expected at ${JSON.stringify(text.slice(i, i + 12))}`);
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const expect = (c) => {
    space();
    if (text[i] !== c) fail(i >= text.length ? 'the JSON ends early' : `${JSON.stringify(c)} expected, got ${JSON.stringify(text[i])}`);
    i += 1;
  };
  const value = (path) => {
    space();
    lines.set(path, line);
    const c = text[i];
    if (c === '{') {
      i += 1;
      const object = {};
      space();
      if (text[i] === '}') {
        i += 1;
        return object;
      }
      for (;;) {
        space();
        const key = token(STRING, 'a key in double quotes');
        if (Object.hasOwn(object, key)) fail(`the key ${JSON.stringify(key)} appears twice`);
        expect(':');
        object[key] = value(path ? `${path}.${key}` : key);
        space();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        expect('}');
        return object;
      }
    }
    if (c === '[') {
      i += 1;
      const array = [];
      space();
      if (text[i] === ']') {
        i += 1;
        return array;
      }
      for (;;) {
        array.push(value(`${path}[${array.length}]`));
        space();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        expect(']');
        return array;
      }
    }
    if (c === '"') return token(STRING, 'a string');
    return token(LITERAL, 'a value');
  };
  const root = value('');
  space();
  if (i < text.length) fail(`text after the JSON value: ${JSON.stringify(text.slice(i, i + 12))}`);
  const lineOf = (path) => {
    for (let p = path; ; p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
      if (lines.has(p)) return lines.get(p);
      if (p === '') return 1;
    }
  };
  return { value: root, lineOf };
}
