import { ApiNotesCreateRequest, ApiNotesListRequest, SUBJECTS, type ApiNotesCreateReply, type ApiNotesListReply } from '@auth-bus/contracts';
import { BusPayloadPipe } from '@auth-bus/service-kit';
import { AuthIdentity, BusAuthGuard, type VerifiedToken } from '@auth-bus/token-verifier';
import { Controller, UseGuards } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { NotesService } from './notes.service';

/**
 * The caller's notes (`POST /api/notes`, `GET /api/notes` through host-relay). Any valid access
 * token; each caller sees only its own notes. A body that breaks the schema is INVALID_MESSAGE
 * from the pipe, before anything is stored.
 */
@Controller()
@UseGuards(BusAuthGuard)
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @MessagePattern(SUBJECTS.api.notesCreate)
  create(
    @Payload(new BusPayloadPipe(ApiNotesCreateRequest, 'api.notes.create request')) body: ApiNotesCreateRequest,
    @AuthIdentity() caller: VerifiedToken,
  ): Promise<ApiNotesCreateReply> {
    return this.notes.create(body, caller);
  }

  @MessagePattern(SUBJECTS.api.notesList)
  list(@Payload(new BusPayloadPipe(ApiNotesListRequest, 'api.notes.list request')) _body: ApiNotesListRequest, @AuthIdentity() caller: VerifiedToken): Promise<ApiNotesListReply> {
    return this.notes.list(caller);
  }
}
