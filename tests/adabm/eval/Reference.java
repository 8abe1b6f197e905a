package adabm.eval;

import adabm.TestData;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** models/reference.json (MODELS.md §6), the oracle for PSNR/SSIM values. */
final class Reference {
    private Reference() { }

    static JsonObject json() {
        try {
            return JsonParser.parseString(Files.readString(TestData.model("reference.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {"n_images","psnr_y","ssim_y","per_image":{...}} of the bicubic baseline. */
    static JsonObject bicubic(int scale, String set) {
        return json().getAsJsonObject("bicubic").getAsJsonObject("x" + scale).getAsJsonObject(set);
    }

    /** {"n_images","psnr_y","ssim_y","per_image":{...}} of a model on a data set. */
    static JsonObject model(String model, String set) {
        return json().getAsJsonObject("models").getAsJsonObject(model).getAsJsonObject("results").getAsJsonObject(set);
    }

    static JsonObject modelImage(String model, String set, String image) {
        return json().getAsJsonObject("models").getAsJsonObject(model).getAsJsonObject("results")
                .getAsJsonObject(set).getAsJsonObject("per_image").getAsJsonObject(image);
    }
}
