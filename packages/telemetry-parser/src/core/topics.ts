// MQTT topic filters of the configured message types, compiled once; a topic's type is remembered, since a
// fleet publishes on a bounded set of topics and a batch repeats them.
import type { CompiledType } from "./normalize";

/** Topics remembered at most; past it a topic is matched again (memory stays bounded whatever arrives). */
const REMEMBERED = 10_000;

/** Whether `topic` matches the MQTT filter: `+` is one level, a final `#` any number (zero included). */
function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** The first message type whose filter matches a topic. */
export function typeMatcher(types: readonly CompiledType[]): (topic: string) => CompiledType | undefined {
  const known = new Map<string, CompiledType | undefined>();
  return (topic) => {
    const seen = known.get(topic);
    if (seen !== undefined || known.has(topic)) return seen;
    const type = types.find((candidate) => topicMatches(candidate.filter, topic));
    if (known.size < REMEMBERED) known.set(topic, type);
    return type;
  };
}
