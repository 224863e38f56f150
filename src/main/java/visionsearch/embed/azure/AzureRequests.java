package visionsearch.embed.azure;

import static visionsearch.embed.azure.AzureVisionEmbedder.MAX_TEXT_WORDS;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import visionsearch.embed.ImageInput;

/**
 * What {@link AzureVisionEmbedder} sends: image bytes as {@code application/octet-stream}, an image
 * URL or a text as JSON, the text checked against Azure's 1-to-70-words rule first, and the label
 * of an input in messages (a URL without its query, which may hold a secret).
 */
final class AzureRequests {
    private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
    private static final MediaType APPLICATION_JSON = MediaType.get("application/json");
    static final Pattern WORD = Pattern.compile("\\S+");

    private AzureRequests() {
    }

    /** The body for {@code retrieval:vectorizeImage}. */
    static RequestBody image(ImageInput image) {
        if (image.isUrl()) {
            return json(AzureAnswers.JSON.createObjectNode().put("url", image.url().toString()));
        }
        return RequestBody.create(image.bytes(), OCTET_STREAM);
    }

    /** The label of an image in messages and logs. */
    static String label(ImageInput image) {
        return image.isUrl() ? urlLabel(image.url()) : image.source();
    }

    /** The body for {@code retrieval:vectorizeText}: the text checked (or cut) by {@link #prepareText}. */
    static RequestBody text(String text, boolean truncate) {
        return json(AzureAnswers.JSON.createObjectNode().put("text", prepareText(text, truncate)));
    }

    /** The URL for messages and logs, without its query: a query may hold a secret (a storage SAS token). */
    static String urlLabel(URI url) {
        String s = url.toString();
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q) + "?(query hidden)";
    }

    /** Returns the text as sent: checked to have 1 to 70 words, or cut after the 70th word if {@code truncate}. */
    static String prepareText(String text, boolean truncate) {
        Matcher m = WORD.matcher(text);
        int words = 0;
        int end = -1;
        while (m.find()) {
            words++;
            if (words == MAX_TEXT_WORDS) {
                end = m.end();
            }
        }
        if (words == 0) {
            throw new IllegalArgumentException("text must have 1 to " + MAX_TEXT_WORDS + " words, got an empty text");
        }
        if (words > MAX_TEXT_WORDS) {
            if (!truncate) {
                throw new IllegalArgumentException("text has " + words + " words: Azure AI Vision accepts 1 to "
                        + MAX_TEXT_WORDS + " words; shorten it, or use embedTextTruncated(text) (or the builder's"
                        + " truncateLongText(true)) to keep the first " + MAX_TEXT_WORDS);
            }
            return text.substring(0, end).strip();
        }
        return text.strip();
    }

    private static RequestBody json(ObjectNode body) {
        try {
            return RequestBody.create(AzureAnswers.JSON.writeValueAsBytes(body), APPLICATION_JSON);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON request", e);
        }
    }
}
