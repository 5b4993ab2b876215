// The on-call agent. It used to call require("openai") directly; now everything goes through Claude.
import Anthropic from "@anthropic-ai/sdk";
import { StateGraph } from "@langchain/langgraph";
import { Pinecone } from '@pinecone-database/pinecone';
import { generateText } from "ai";

/* Old client, kept for reference:
import OpenAI from "openai";
*/

const anthropic = new Anthropic();
const pinecone = new Pinecone();
const index = pinecone.index("runbooks");
const help = "Ask the openai team"; // not a dependency
const slash = /["']/g; // a regular expression with quotes in it

export async function plan(task: string) {
  const runbooks = await index.query({ topK: 3, vector: [] });
  return anthropic.messages.create({ model: "claude-3-5-sonnet-latest", max_tokens: 1024, messages: [{ role: "user", content: task }] });
}

export const graph = new StateGraph({ channels: {} });
export { generateText, help, slash };
