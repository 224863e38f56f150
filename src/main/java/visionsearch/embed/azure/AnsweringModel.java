package visionsearch.embed.azure;

import static visionsearch.embed.azure.AzureVisionEmbedder.MODEL_VERSION_LATEST;

import visionsearch.embed.Embedding;

/**
 * Which model the answers of one {@link AzureVisionEmbedder} come from: the configured Azure model
 * until an answer says otherwise, the version the preview's {@code latest} last reported, or the
 * local model a server such as the emulator serves (its id holds a {@code ':'}). Azure's answers
 * are taken as Azure's; a local model never becomes an {@code azure-vision:...} id. Thread-safe.
 */
final class AnsweringModel {
    private final String endpoint;
    private final String modelVersion;
    private volatile String lastModelVersion;
    /** The local model id a non-Azure server (the emulator) answered, or null. */
    private volatile String servedModel;
    private volatile int servedDimensions;

    AnsweringModel(String endpoint, String modelVersion) {
        this.endpoint = endpoint;
        this.modelVersion = modelVersion;
    }

    /** Returns the model id the answers so far name (the configured one before any answer). */
    String modelId() {
        String served = servedModel;
        if (served != null) {
            return served;
        }
        if (MODEL_VERSION_LATEST.equals(modelVersion)) {
            String seen = lastModelVersion;
            return "azure-vision:" + (seen == null ? MODEL_VERSION_LATEST : seen);
        }
        return "azure-vision:" + modelVersion;
    }

    /** Returns 1024, or the dimension of the local model that answered. */
    int dimensions() {
        int served = servedDimensions;
        return served > 0 ? served : AzureVisionEmbedder.DIMENSIONS;
    }

    /** Whether a local model (not Azure) has answered. */
    boolean local() {
        return servedModel != null;
    }

    /** Names the model of an answer: Azure's requested version, or the local model the server serves. */
    Embedding embedding(AzureAnswers.Answer answer, String operation, String source) {
        String answered = answer.modelVersion();
        String note = AzureAnswers.requestIdNote(answer.requestId());
        if (answer.localModel()) {
            String known = servedModel;
            if (known != null && !known.equals(answered)) {
                throw new VisionApiException("the server at " + endpoint + " answered model " + answered
                        + " but earlier answered " + known + note
                        + "; vectors of different models must never be mixed: was the emulator restarted with"
                        + " another --embedder?", 200, null, null, answer.requestId(), false, null);
            }
            servedDimensions = answer.vector().length;
            servedModel = answered;
            return new Embedding(answer.vector(), answered);
        }
        String model;
        if (MODEL_VERSION_LATEST.equals(modelVersion)) {
            model = answered.isEmpty() ? MODEL_VERSION_LATEST : answered;
            lastModelVersion = model;
        } else if (answered.isEmpty()) {
            model = modelVersion; // the documentation is silent on a missing field; trust the request
        } else if (!answered.equals(modelVersion)) {
            throw new VisionApiException("Azure AI Vision " + operation + " for " + source + " answered modelVersion "
                    + answered + " but " + modelVersion + " was requested" + note
                    + "; vectors of different model versions must never be mixed: check VISION_MODEL_VERSION",
                    200, null, null, answer.requestId(), false, null);
        } else {
            model = answered;
        }
        return new Embedding(answer.vector(), "azure-vision:" + model);
    }
}
