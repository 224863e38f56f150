/**
 * The generator of the sample collection: {@link visionsearch.samples.SampleScenes} draws simple scenes in
 * six themes from a seed (same seed, same pixels), each with a caption that says what was drawn. It made
 * the committed {@code images/} and {@code images-queries/} ({@code vision-search samples}); lessons and
 * benchmarks use it for collections of any size. Depends on nothing else in the project.
 *
 * <pre>{@code
 * List<SampleScenes.Scene> scenes = SampleScenes.collection(SampleScenes.DEFAULT_SEED, 100);
 * SampleScenes.write(Path.of("/tmp/samples"), scenes);   // PNGs + captions.csv
 * }</pre>
 */
package visionsearch.samples;
