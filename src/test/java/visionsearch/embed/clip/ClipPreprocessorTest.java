package visionsearch.embed.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import visionsearch.embed.ImageInput;

class ClipPreprocessorTest {
    private static final int PLANE = 224 * 224;

    static BufferedImage filled(int w, int h, int type, Color... halves) {
        BufferedImage image = new BufferedImage(w, h, type);
        Graphics2D g = image.createGraphics();
        for (int i = 0; i < halves.length; i++) {
            g.setColor(halves[i]);
            g.fillRect(i * w / halves.length, 0, w / halves.length, h);
        }
        g.dispose();
        return image;
    }

    /** (v / 255 - mean) / std, by hand, in float32 as torchvision's ToTensor + Normalize. */
    static float normalised(int v, int channel) {
        float[] mean = {0.48145466f, 0.4578275f, 0.40821073f};
        float[] std = {0.26862954f, 0.26130258f, 0.27577711f};
        return (v / 255f - mean[channel]) / std[channel];
    }

    static float[] at(float[] pixels, int x, int y) {
        return new float[] {pixels[y * 224 + x], pixels[PLANE + y * 224 + x], pixels[2 * PLANE + y * 224 + x]};
    }

    @ParameterizedTest(name = "image type {0}")
    @ValueSource(ints = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_ARGB,
        BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_USHORT_565_RGB})
    void uniformColourGivesTheNormalisedValueEverywhere(int type) {
        float[] pixels = ClipPreprocessor.pixelValues(filled(300, 200, type, new Color(200, 96, 48)));
        assertEquals(3 * PLANE, pixels.length);
        int[] rgb = type == BufferedImage.TYPE_USHORT_565_RGB ? new int[] {206, 97, 49} : new int[] {200, 96, 48};
        for (int c = 0; c < 3; c++) {
            float expected = normalised(rgb[c], c);
            for (int i = 0; i < PLANE; i++) {
                assertEquals(expected, pixels[c * PLANE + i], 0f, "channel " + c + " index " + i);
            }
        }
    }

    @Test
    void twoColourImageAlreadyAtHeight224IsOnlyCropped() {
        // 448x224: no resize; the crop starts at x = 112, so crop columns 0..111 are red and 112..223 blue.
        float[] pixels = ClipPreprocessor.pixelValues(filled(448, 224, BufferedImage.TYPE_INT_RGB, Color.RED, Color.BLUE));
        float[] red = {normalised(255, 0), normalised(0, 1), normalised(0, 2)};
        float[] blue = {normalised(0, 0), normalised(0, 1), normalised(255, 2)};
        assertArrayEquals(red, at(pixels, 0, 0));
        assertArrayEquals(red, at(pixels, 111, 200));
        assertArrayEquals(blue, at(pixels, 112, 17));
        assertArrayEquals(blue, at(pixels, 223, 223));
    }

    @Test
    void twoColourImageHalvedMatchesHandComputedBicubicAtTheEdge() {
        // 896x448 -> 448x224 (scale 2, support 4): output column 223 (crop column 111) centres on input 447;
        // taps 443..450 weigh b((i - 446.5) / 2) / 2 with Pillow's bicubic b (a = -0.5):
        // b(0.25) = 0.8671875, b(0.75) = 0.2265625, b(1.25) = -0.0703125, b(1.75) = -0.0234375.
        // Red share (inputs 443..447) = (b(1.75) + b(1.25) + b(0.75) + 2 b(0.25)) / 2 = 239/256, blue share 17/256.
        // Fixed point (22 bits, +2^21, >> 22): 255 * 239/256 -> 238, 255 * 17/256 -> 17.
        float[] pixels = ClipPreprocessor.pixelValues(filled(896, 448, BufferedImage.TYPE_INT_RGB, Color.RED, Color.BLUE));
        assertArrayEquals(new float[] {normalised(238, 0), normalised(0, 1), normalised(17, 2)}, at(pixels, 111, 100));
        assertArrayEquals(new float[] {normalised(17, 0), normalised(0, 1), normalised(238, 2)}, at(pixels, 112, 100));
        assertArrayEquals(new float[] {normalised(255, 0), normalised(0, 1), normalised(0, 2)}, at(pixels, 50, 0));
        assertArrayEquals(new float[] {normalised(0, 0), normalised(0, 1), normalised(255, 2)}, at(pixels, 223, 223));
    }

    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
    @CsvSource({"640, 480, 298, 224", "480, 640, 224, 298", "224, 224, 224, 224", "100, 50, 448, 224",
        "120, 97, 277, 224", "13, 4000, 224, 68923"})
    void resizesTheShorterSideTo224LikeTorchvision(int w, int h, int newW, int newH) {
        assertArrayEquals(new int[] {newW, newH}, ClipPreprocessor.resizedSize(w, h));
    }

    @ParameterizedTest(name = "size {0} -> offset {1}")
    @CsvSource({"224, 0", "225, 0", "226, 1", "227, 2", "277, 26", "279, 28", "298, 37", "448, 112"})
    void centreCropRoundsHalfToEvenLikePython(int size, int offset) {
        assertEquals(offset, ClipPreprocessor.cropOffset(size));
    }

    @ParameterizedTest(name = "{0}, decoded by {1}")
    @CsvSource({"down, ImageIO", "up, ImageIO", "tall-grey, ImageIO", "big-down, ImageIO", "tall-down, ImageIO",
        "down, ImageInput", "big-down, ImageInput", "tall-grey, ImageInput"})
    void matchesPillowBicubicResizeAndCropBitForBit(String name, String decoder) throws IOException {
        // ImageIO gives TYPE_3BYTE_BGR (or grey); ImageInput.decode() gives R, G, B-ordered bytes.
        BufferedImage input = decoder.equals("ImageIO") ? read(name + ".png") : decodeWithImageInput(name + ".png");
        BufferedImage expected = read(name + "-expected.png");
        int[] actual = ClipPreprocessor.resizedCrop(input);
        int mismatches = 0;
        String first = null;
        for (int y = 0; y < 224; y++) {
            for (int x = 0; x < 224; x++) {
                int e = expected.getRGB(x, y) & 0xFFFFFF;
                if (actual[y * 224 + x] != e) {
                    mismatches++;
                    if (first == null) {
                        first = String.format("(%d,%d): expected %06x, got %06x", x, y, e, actual[y * 224 + x]);
                    }
                }
            }
        }
        assertEquals(0, mismatches, name + ": pixels differing from Pillow, first " + first);
    }

    @Test
    void alphaIsDroppedNotComposited() {
        BufferedImage image = new BufferedImage(50, 50, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 50; y++) {
            for (int x = 0; x < 50; x++) {
                image.setRGB(x, y, 0x00_10_80_F0);
            }
        }
        float[] pixels = ClipPreprocessor.pixelValues(image);
        assertArrayEquals(new float[] {normalised(0x10, 0), normalised(0x80, 1), normalised(0xF0, 2)}, at(pixels, 7, 9));
    }

    @Test
    void greyIsCopiedToAllChannelsWithoutGamma() {
        BufferedImage grey = filled(64, 64, BufferedImage.TYPE_BYTE_GRAY, new Color(128, 128, 128));
        assertEquals(128, grey.getRaster().getSample(3, 3, 0));
        float[] pixels = ClipPreprocessor.pixelValues(grey);
        assertArrayEquals(new float[] {normalised(128, 0), normalised(128, 1), normalised(128, 2)}, at(pixels, 100, 100));
    }

    private static BufferedImage read(String name) throws IOException {
        try (InputStream in = ClipPreprocessorTest.class.getResourceAsStream("/clip-preprocess/" + name)) {
            return ImageIO.read(in);
        }
    }

    private static BufferedImage decodeWithImageInput(String name) throws IOException {
        try (InputStream in = ClipPreprocessorTest.class.getResourceAsStream("/clip-preprocess/" + name)) {
            return ImageInput.of(in.readAllBytes()).decode();
        }
    }
}
