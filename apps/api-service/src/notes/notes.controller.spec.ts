import { ApiNotesCreateReply, ApiNotesListReply, SUBJECTS, type Note } from '@auth-bus/contracts';
import { BusAuthGuard, REQUIRED_PERMISSIONS_KEY, toVerifiedToken } from '@auth-bus/token-verifier';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { Test } from '@nestjs/testing';
import { NotesController } from './notes.controller';
import { NotesService } from './notes.service';
import { NotesStore, ownerKey } from './notes.store';

const caller = (sub: string) => toVerifiedToken({ sub, exp: Math.floor(Date.now() / 1000) + 60, iss: 'http://localhost:4400/' }, '0123456789abcdef');

/** The store's contract in memory (the real one, on NATS KV, is covered by test/notes.int.spec.ts). */
class MemoryStore {
  readonly notes: Note[] = [];
  async put(note: Note) {
    this.notes.push(note);
  }
  async list(sub: string) {
    return this.notes.filter((n) => n.sub === sub);
  }
}

describe('NotesController', () => {
  let controller: NotesController;
  let store: MemoryStore;
  beforeEach(async () => {
    store = new MemoryStore();
    const moduleRef = await Test.createTestingModule({ controllers: [NotesController], providers: [NotesService, { provide: NotesStore, useValue: store }] })
      .overrideGuard(BusAuthGuard)
      .useValue({ canActivate: () => true })
      .compile();
    controller = moduleRef.get(NotesController);
  });

  it('stores a note of the verified caller and lists only that caller\'s notes', async () => {
    const note = await controller.create({ text: 'buy milk' }, caller('auth0|alice'));
    expect(ApiNotesCreateReply.parse(note)).toEqual(note);
    expect(note).toMatchObject({ text: 'buy milk', sub: 'auth0|alice' });
    await controller.create({ text: 'other' }, caller('auth0|bob'));
    const list = await controller.list({}, caller('auth0|alice'));
    expect(ApiNotesListReply.parse(list)).toEqual(list);
    expect(list.notes.map((n) => n.text)).toEqual(['buy milk']);
  });

  it('is guarded, on the contract subjects, with no permission beyond a valid token', () => {
    expect(Reflect.getMetadata(GUARDS_METADATA, NotesController)).toEqual([BusAuthGuard]);
    expect(Reflect.getMetadata(PATTERN_METADATA, NotesController.prototype.create)).toEqual([SUBJECTS.api.notesCreate]);
    expect(Reflect.getMetadata(PATTERN_METADATA, NotesController.prototype.list)).toEqual([SUBJECTS.api.notesList]);
    expect(Reflect.getMetadata(REQUIRED_PERMISSIONS_KEY, NotesController.prototype.create)).toBeUndefined();
  });

  it('keys notes by a hash of the owner (KV keys cannot hold `|`)', () => {
    expect(ownerKey('auth0|alice')).toMatch(/^[0-9a-f]{32}$/);
    expect(ownerKey('auth0|alice')).not.toBe(ownerKey('auth0|bob'));
  });
});
