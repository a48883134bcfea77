import { randomInt } from "node:crypto";

// A name for a run started without one, as MLflow gives: adjective-noun-number, easy to say
// and to tell apart in a list ("brave-owl-417").

const ADJECTIVES = ["agile", "bold", "brave", "bright", "calm", "clever", "crisp", "eager", "fair", "gentle", "glad", "keen", "kind", "lucid", "merry", "nimble", "noble", "quiet", "rapid", "sharp", "shy", "silent", "sleek", "smart", "steady", "swift", "tidy", "vivid", "warm", "wise"];
const NOUNS = ["ant", "bass", "bear", "bee", "crane", "crow", "deer", "dove", "eel", "elk", "finch", "fox", "frog", "goat", "hare", "hawk", "heron", "ibis", "lark", "lynx", "mole", "moth", "newt", "owl", "otter", "ram", "seal", "swan", "toad", "wren"];

export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
