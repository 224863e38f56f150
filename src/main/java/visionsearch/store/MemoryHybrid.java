package visionsearch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * Hybrid search for {@link InMemoryVectorStore}: keyword ranking by BM25 with Lucene (an in-heap index of
 * {@link KeywordText#document} per record; metadata filters checked on the records), fused with the store's
 * exact vector ranking by {@link Rrf}.
 *
 * <p>The Lucene index follows the store without hooks in its write path: before each keyword search it walks
 * the records (one map lookup each) and re-indexes those whose path or metadata object changed, and drops
 * those that are gone. Built on first use; about as many bytes as the records' text.
 */
final class MemoryHybrid {
    private static final String ID = "id";
    private static final String TEXT = "text";

    /** Sees one record's text fields. */
    interface TextVisitor {
        void visit(String id, String path, Map<String, String> metadata);
    }

    /** What the index holds for a record: the path and the (immutable) metadata object it was made from. */
    private static final class Indexed {
        final String path;
        final Map<String, String> metadata;
        long seen;

        Indexed(String path, Map<String, String> metadata) {
            this.path = path;
            this.metadata = metadata;
        }
    }

    private final InMemoryVectorStore store;
    private String language = KeywordText.DEFAULT_LANGUAGE;
    private Analyzer analyzer;
    private IndexWriter writer;
    private DirectoryReader reader;
    private final Map<String, Indexed> indexed = new HashMap<>();
    private long generation;

    MemoryHybrid(InMemoryVectorStore store) {
        this.store = store;
    }

    /** Sets the keyword language; the index is built again on the next search if it changed. */
    synchronized void language(String language) {
        KeywordText.checkLanguage(language);
        if (!language.equals(this.language)) {
            close();
            this.language = language;
        }
    }

    synchronized String language() {
        return language;
    }

    /** See {@link VectorStore#hybridSearch}. */
    List<HybridHit> search(float[] query, String keywords, int k, Map<String, String> filter, RankFusion fusion) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(fusion, "fusion");
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        KeywordQuery parsed = KeywordQuery.parse(keywords);
        Map<String, String> f = filter == null ? Map.of() : filter;
        float[] prepared = store.prepare(query, "query");
        store.readLock().lock();
        try {
            store.checkOpen();
            List<SearchHit> nearest = fusion.vectorWeight() > 0 ? store.search(query, fusion.candidates(), f) : List.of();
            List<Rrf.Match> matches = fusion.keywordWeight() > 0 ? matches(parsed, f, fusion.candidates()) : List.of();
            return Rrf.fuse(nearest, matches, fusion, k, id -> store.hitFor(prepared, id));
        } finally {
            store.readLock().unlock();
        }
    }

    /** The best {@code limit} keyword matches that pass {@code filter}, by BM25 then id; hold the store's read lock. */
    synchronized List<Rrf.Match> matches(KeywordQuery query, Map<String, String> filter, int limit) {
        try {
            sync();
            IndexSearcher searcher = new IndexSearcher(reader);
            // Ties by id in UTF-8 byte order, which is PostgreSQL's COLLATE "C" order.
            Sort sort = new Sort(SortField.FIELD_SCORE, new SortField(ID, SortField.Type.STRING));
            // A filter is checked on the records' metadata, as the vector scan does: all matches are ranked first.
            int window = filter.isEmpty() ? limit : Math.max(limit, reader.numDocs());
            TopFieldDocs top = searcher.search(query.lucene(TEXT, analyzer), window, sort, true);
            StoredFields stored = searcher.storedFields();
            List<Rrf.Match> out = new ArrayList<>(Math.min(limit, top.scoreDocs.length));
            for (ScoreDoc d : top.scoreDocs) {
                String id = stored.document(d.doc).get(ID);
                if (InMemoryVectorStore.matches(indexed.get(id).metadata, filter)) {
                    out.add(new Rrf.Match(id, d.score));
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("the in-memory keyword index failed: " + e.getMessage(), e);
        }
    }

    /** Brings the index up to date with the store's records. */
    private void sync() throws IOException {
        if (writer == null) {
            analyzer = KeywordText.analyzer(language);
            IndexWriterConfig config = new IndexWriterConfig(analyzer).setMergeScheduler(new SerialMergeScheduler())
                    .setCommitOnClose(false);
            writer = new IndexWriter(new ByteBuffersDirectory(), config);
            reader = DirectoryReader.open(writer);
        }
        long now = ++generation;
        boolean[] changed = {false};
        int[] records = {0};
        IOException[] failure = {null};
        store.forEachText((id, path, metadata) -> {
            records[0]++;
            Indexed old = indexed.get(id);
            if (old == null || old.metadata != metadata || !old.path.equals(path)) {
                try {
                    writer.updateDocument(new Term(ID, id), document(id, path, metadata));
                } catch (IOException e) {
                    failure[0] = e;
                }
                old = new Indexed(path, metadata);
                indexed.put(id, old);
                changed[0] = true;
            }
            old.seen = now;
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        if (indexed.size() > records[0]) {
            for (Iterator<Map.Entry<String, Indexed>> it = indexed.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Indexed> e = it.next();
                if (e.getValue().seen != now) {
                    writer.deleteDocuments(new Term(ID, e.getKey()));
                    it.remove();
                    changed[0] = true;
                }
            }
        }
        if (changed[0]) {
            DirectoryReader newer = DirectoryReader.openIfChanged(reader, writer);
            if (newer != null) {
                reader.close();
                reader = newer;
            }
        }
    }

    private static Document document(String id, String path, Map<String, String> metadata) {
        Document doc = new Document();
        doc.add(new StringField(ID, id, Field.Store.YES));
        doc.add(new SortedDocValuesField(ID, new BytesRef(id)));
        doc.add(new TextField(TEXT, KeywordText.document(path, metadata), Field.Store.NO));
        return doc;
    }

    /** Frees the index (it is built again on next use). */
    synchronized void close() {
        try {
            if (reader != null) {
                reader.close();
            }
            if (writer != null) {
                writer.rollback();
            }
        } catch (IOException e) {
            // heap memory only: nothing is lost
        } finally {
            reader = null;
            writer = null;
            indexed.clear();
        }
    }
}
