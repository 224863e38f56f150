package visionsearch.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import visionsearch.embed.clip.ClipEmbedder;
import visionsearch.embed.clip.ModelDownloader;
import visionsearch.embed.Settings;

/** {@code vision-search model download|status}: the local CLIP model. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Download or inspect the local CLIP model (ViT-B/32, ONNX).",
        subcommands = {ModelCommand.Download.class, ModelCommand.Status.class})
final class ModelCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static Path folder(Path dir) {
        return dir != null ? dir.toAbsolutePath() : ClipEmbedder.modelDir(Settings.load()).toAbsolutePath();
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = {"Fetch the CLIP ViT-B/32 ONNX export (about 600 MB) into the model folder, with SHA-256 checks.",
                "An interrupted download resumes when run again. Offline, it says which files to place by hand."})
    static final class Download implements Callable<Integer> {
        @Option(names = "--dir", paramLabel = "DIR",
                description = "model folder (default: CLIP_MODEL_DIR, else ~/.cache/vision-search/clip-vit-base-patch32)")
        Path dir;

        @Option(names = "--base-url", paramLabel = "URL", defaultValue = ModelDownloader.CLIP_VIT_B_32_URL,
                description = "where the files are (default ${DEFAULT-VALUE})")
        String baseUrl;

        @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "seconds to wait for a connection (default ${DEFAULT-VALUE})")
        int connectTimeout;

        @Override
        public Integer call() {
            Path target = folder(dir);
            System.out.println("model folder: " + target);
            ProgressListener progress = new ProgressListener();
            List<Path> files;
            try {
                files = ModelDownloader.builder().baseUrl(baseUrl).directory(target)
                        .connectTimeout(Duration.ofSeconds(connectTimeout)).listener(progress).build().download();
            } finally {
                progress.close();
            }
            System.out.println("downloaded and verified " + files.size() + " files; checksums in "
                    + target.resolve(ModelDownloader.MANIFEST));
            if (dir != null && !target.equals(ClipEmbedder.modelDir(Settings.load()).toAbsolutePath())) {
                System.out.println("set CLIP_MODEL_DIR=" + target + " (environment or .env) so vision-search finds it");
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Say where the CLIP model folder is and whether it is complete.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--dir", paramLabel = "DIR", description = "model folder (default: CLIP_MODEL_DIR or the download folder)")
        Path dir;

        @Override
        public Integer call() {
            Path target = folder(dir);
            if (!ClipEmbedder.isModelDir(target)) {
                System.out.println("no complete CLIP model in " + target
                        + ": run `vision-search model download`, or set CLIP_MODEL_DIR to a folder with "
                        + "vision_model.onnx, text_model.onnx, vocab.json and merges.txt");
                return 1;
            }
            try (ClipEmbedder clip = ClipEmbedder.open(target)) {
                System.out.println("CLIP model " + clip.modelId() + " (" + clip.dimensions() + " dimensions) in " + target);
            }
            return 0;
        }
    }

    /** Draws one progress bar per file on the terminal (stderr). */
    private static final class ProgressListener implements ModelDownloader.Listener {
        private ProgressBar bar;

        @Override
        public void started(ModelDownloader.ModelFile file, long have, long total) {
            close();
            bar = new ProgressBarBuilder().setTaskName(file.fileName()).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" MB", 1 << 20).showSpeed()
                    .startsFrom(have, Duration.ZERO).build();
        }

        @Override
        public void progressed(ModelDownloader.ModelFile file, long done, long total) {
            if (bar != null) {
                bar.maxHint(total);
                bar.stepTo(done);
            }
        }

        @Override
        public void finished(ModelDownloader.ModelFile file, Path path, String sha256, boolean reused) {
            close();
            System.out.println((reused ? "  present  " : "  fetched  ") + file.fileName() + "  sha256 " + sha256);
        }

        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
