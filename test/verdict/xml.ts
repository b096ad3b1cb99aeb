/**
 * A small strict XML 1.0 reader for tests (no dependency): elements, attributes, text, the five
 * predefined entities and character references. It throws on anything not well-formed (unbalanced
 * tags, raw '<' or '&', unquoted or duplicate attributes, characters XML forbids), and returns
 * the tree with text and attribute values decoded, so tests can compare them with what went in.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`raw "&" in ${where}`);
    if (ref in PREDEFINED) return PREDEFINED[ref]!;
    const n = /^#x([0-9A-Fa-f]+)$/.exec(ref) ?? /^#([0-9]+)$/.exec(ref);
    if (!n) throw new Error(`unknown entity &${ref}; in ${where}`);
    const cp = Number.parseInt(n[1]!, ref.startsWith('#x') ? 16 : 10);
    const ch = String.fromCodePoint(cp);
    if (FORBIDDEN.test(ch)) throw new Error(`character reference ${m} not allowed`);
    return ch;
  });
}

export function parseXml(xml: string): XmlElement {
  if (FORBIDDEN.test(xml)) throw new Error('a character XML 1.0 does not allow');
  let at = 0;
  const rest = () => xml.slice(at);
  const skipSpace = () => {
    while (/\s/.test(xml[at] ?? '')) at++;
  };
  if (rest().startsWith('<?xml')) {
    const end = xml.indexOf('?>', at);
    if (end < 0) throw new Error('unterminated XML declaration');
    at = end + 2;
  }
  skipSpace();

  const element = (): XmlElement => {
    if (xml[at] !== '<') throw new Error(`expected "<" at ${at}`);
    at++;
    const name = NAME.exec(rest())?.[0];
    if (!name) throw new Error(`bad element name at ${at}`);
    at += name.length;
    const el: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = /\s/.test(xml[at] ?? '');
      skipSpace();
      if (rest().startsWith('/>')) {
        at += 2;
        return el;
      }
      if (xml[at] === '>') {
        at++;
        break;
      }
      if (!hadSpace) throw new Error(`attribute without leading space in <${name}> at ${at}`);
      const attr = NAME.exec(rest())?.[0];
      if (!attr) throw new Error(`bad attribute in <${name}> at ${at}`);
      at += attr.length;
      if (xml[at] !== '=') throw new Error(`attribute ${attr} without "="`);
      const quote = xml[at + 1];
      if (quote !== '"' && quote !== "'") throw new Error(`attribute ${attr} not quoted`);
      const end = xml.indexOf(quote, at + 2);
      if (end < 0) throw new Error(`attribute ${attr} not terminated`);
      if (attr in el.attributes) throw new Error(`duplicate attribute ${attr}`);
      el.attributes[attr] = decode(xml.slice(at + 2, end), `attribute ${attr}`);
      at = end + 1;
    }
    for (;;) {
      const next = xml.indexOf('<', at);
      if (next < 0) throw new Error(`<${name}> not closed`);
      el.text += decode(xml.slice(at, next), `<${name}> text`);
      at = next;
      if (rest().startsWith('</')) {
        at += 2;
        if (!rest().startsWith(name) || !/^\s*>/.test(xml.slice(at + name.length)))
          throw new Error(`</${name}> expected at ${at}`);
        at = xml.indexOf('>', at) + 1;
        return el;
      }
      el.children.push(element());
    }
  };

  const root = element();
  skipSpace();
  if (at !== xml.length) throw new Error(`content after the root element at ${at}`);
  return root;
}

/** Every element of a tree with this name, depth first. */
export function all(el: XmlElement, name: string): XmlElement[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
}
