// A few DOM helpers. Text is always set as text (never as HTML), so nothing the server or the
// ledger says can become markup.

type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | number | undefined | ((event: Event) => void)>;

/** `h("button", {type: "button", onclick: f}, "Revoke")`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(key.replace(/^on/, ""), value);
    } else if (value === true) {
      element.setAttribute(key, "");
    } else {
      element.setAttribute(key, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}

/** Replaces the children of `parent`. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" });

/** A unix time in the browser's own time zone: "2 Dec 2026, 18:30 UTC". */
export function localTime(unix: number | null): string {
  if (unix === null) return "time unknown";
  const date = new Date(unix * 1000);
  const zoneName = zone.formatToParts(date).find((p) => p.type === "timeZoneName")?.value ?? "";
  return `${dateTime.format(date)} ${zoneName}`.trim();
}

/** A `<time>` element carrying the machine-readable instant. */
export function timeElement(unix: number | null): HTMLElement {
  if (unix === null) return h("span", {}, "time unknown");
  return h("time", { datetime: new Date(unix * 1000).toISOString() }, localTime(unix));
}

/** "7xKX…sAsU". */
export function short(address: string): string {
  return address.length > 12 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}
