export { RevisionCursorCodec, type RevisionCursor } from './cursor';
export { pageRevisionList } from './page-list';
export { nextCursorOf, pageRequest, readRevisionIdPage, revisionCursorCodec, type RevisionInfoPage, type RevisionPageOptions } from './read-page';
