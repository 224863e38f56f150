package visionsearch.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** Record metadata as the jsonb text {@link PgVectorStore} writes and reads back. */
final class PgJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private PgJson() {
    }

    static String write(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    static Map<String, String> read(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            Map<String, Object> raw = JSON.readValue(json, MAP);
            Map<String, String> out = new LinkedHashMap<>();
            raw.forEach((key, value) -> out.put(key, value == null ? "" : String.valueOf(value)));
            return out;
        } catch (JsonProcessingException e) {
            throw new VectorStoreException("a row's metadata is not a JSON object: " + e.getOriginalMessage());
        }
    }
}
