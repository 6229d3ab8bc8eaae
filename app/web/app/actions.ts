"use server";

import { redirect } from "next/navigation";
import { apiBaseUrl, createNote, requestSummary, validateNoteInput } from "../lib/notes.mjs";

export async function createNoteAction(formData: FormData): Promise<void> {
  const input = validateNoteInput(formData.get("title"), formData.get("body"));
  if (!input.ok) {
    redirect(`/?error=${encodeURIComponent(input.error)}`);
  }
  await createNote({ baseUrl: apiBaseUrl(), ...input.value });
  redirect("/");
}

export async function summarizeNoteAction(formData: FormData): Promise<void> {
  const noteId = Number(formData.get("note_id"));
  const result = await requestSummary({ baseUrl: apiBaseUrl(), noteId });
  if (!result.ok) {
    redirect(`/?error=${encodeURIComponent(result.error)}`);
  }
  redirect(`/?queued=${noteId}`);
}
