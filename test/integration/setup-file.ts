// Runs in every integration test file: when the file ends (after its own afterAll hooks, which stop its
// controllers), the namespaces it made are deleted, so that the next file finds the nodes as free as the first did.
import { afterAll } from "vitest";
import { deleteTestNamespaces } from "./support/cluster.ts";

afterAll(deleteTestNamespaces, 120_000);
