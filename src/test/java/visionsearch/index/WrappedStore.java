package visionsearch.index;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import visionsearch.store.Distance;
import visionsearch.store.HybridHit;
import visionsearch.store.RankFusion;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorRecord;
import visionsearch.store.VectorStore;

/** A real store with a hook before every upsert (to block it or make it fail), for pipeline tests. */
class WrappedStore implements VectorStore {
    final VectorStore inner;
    private final Consumer<List<VectorRecord>> beforeUpsert;

    WrappedStore(VectorStore inner, Consumer<List<VectorRecord>> beforeUpsert) {
        this.inner = inner;
        this.beforeUpsert = beforeUpsert;
    }

    @Override
    public String modelId() {
        return inner.modelId();
    }

    @Override
    public int dimensions() {
        return inner.dimensions();
    }

    @Override
    public Distance distance() {
        return inner.distance();
    }

    @Override
    public void upsert(List<VectorRecord> records) {
        beforeUpsert.accept(records);
        inner.upsert(records);
    }

    @Override
    public List<SearchHit> search(float[] query, int k, Map<String, String> filter) {
        return inner.search(query, k, filter);
    }

    @Override
    public List<HybridHit> hybridSearch(float[] query, String keywords, int k, Map<String, String> filter,
                                        RankFusion fusion) {
        return inner.hybridSearch(query, keywords, k, filter, fusion);
    }

    @Override
    public boolean delete(String id) {
        return inner.delete(id);
    }

    @Override
    public long count() {
        return inner.count();
    }

    @Override
    public Optional<float[]> vector(String id) {
        return inner.vector(id);
    }

    @Override
    public Set<String> contentHashes() {
        return inner.contentHashes();
    }

    @Override
    public List<StoredItem> items() {
        return inner.items();
    }

    @Override
    public void close() {
        inner.close();
    }
}
