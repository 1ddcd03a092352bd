import type { ApiNotesCreateReply, ApiNotesCreateRequest, ApiNotesListReply } from '@auth-bus/contracts';
import type { VerifiedToken } from '@auth-bus/token-verifier';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotesStore } from './notes.store';

@Injectable()
export class NotesService {
  constructor(private readonly store: NotesStore) {}

  /** Stores a note of the verified caller (the body was checked by the pipe: nothing invalid gets here). */
  async create(body: ApiNotesCreateRequest, caller: VerifiedToken): Promise<ApiNotesCreateReply> {
    const note = { id: randomUUID(), text: body.text, sub: caller.sub, at: new Date().toISOString() };
    await this.store.put(note);
    return note;
  }

  async list(caller: VerifiedToken): Promise<ApiNotesListReply> {
    return { notes: await this.store.list(caller.sub) };
  }
}
