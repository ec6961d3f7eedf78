export { createIngestor, type Ingestor, type IngestorDeps } from './ingestor.ts'
