package adabm.io.torch;

import static org.junit.jupiter.api.Assertions.*;

import adabm.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile and hand-made pickles: forbidden globals are refused by name and nothing runs; unusual tensors decode. */
class SafeUnpicklerTest {
    @TempDir Path dir;

    /** The classic payload: GLOBAL module.name, a string argument, REDUCE. Its command would create the marker. */
    private byte[] payload(String module, String name, Path marker, boolean stackGlobal) {
        PickleBytes p = new PickleBytes().proto(stackGlobal ? 4 : 2);
        if (stackGlobal) p.shortStr(module).shortStr(name).op(0x93);
        else p.global(module, name);
        return p.str("touch " + marker).op(0x85).reduce().stop().bytes();
    }

    @Test void forbiddenGlobalsAreRejectedByNameAndNothingRuns() throws Exception {
        Path marker = dir.resolve("executed");
        String[][] globals = {{"os", "system"}, {"builtins", "eval"}, {"subprocess", "Popen"}, {"posix", "system"}, {"torch", "load"}};
        for (String[] g : globals)
            for (boolean stack : new boolean[] {false, true}) {
                byte[] pickle = payload(g[0], g[1], marker, stack);
                var e = assertThrows(ModelFormatException.class, () -> new SafeUnpickler(pickle, 0, "evil.pkl", null).load());
                assertTrue(e.getMessage().contains("forbidden global '" + g[0] + "." + g[1] + "'"), e.getMessage());
                // the same payload as a torch.save zip archive, through the public loader
                Path file = PickleBytes.zip(dir.resolve("evil.pt"), "evil", pickle, Map.of());
                var e2 = assertThrows(ModelFormatException.class, () -> TorchCheckpoint.load(file));
                assertTrue(e2.getMessage().startsWith("checkpoint evil.pt"), e2.getMessage());
                assertTrue(e2.getMessage().contains("forbidden global '" + g[0] + "." + g[1] + "'"), e2.getMessage());
            }
        assertFalse(Files.exists(marker), "a payload ran");
    }

    @Test void forbiddenGlobalInsideAnOtherwiseValidStateDict() throws Exception {
        // a legitimate-looking entry followed by an os.system call hidden in a dict value
        byte[] pickle = new PickleBytes().proto(2).global("collections", "OrderedDict").op(')').reduce()
                .mark().str("w").tensor("FloatStorage", "0", 1, 0, new int[] {1}, new int[] {1})
                .str("x").global("os", "system").str("true").op(0x85).reduce().op('u').stop().bytes();
        Path file = PickleBytes.zip(dir.resolve("mixed.pt"), "mixed", pickle, Map.of("0", new byte[4]));
        var e = assertThrows(ModelFormatException.class, () -> TorchCheckpoint.load(file));
        assertTrue(e.getMessage().contains("'os.system'"), e.getMessage());
    }

    @Test void allowedGlobalsCannotBeCalledInOtherWays() {
        // a storage class is a legal global, but calling it is not something a state_dict does
        byte[] pickle = new PickleBytes().proto(2).global("torch", "FloatStorage").op(')').reduce().stop().bytes();
        var e = assertThrows(ModelFormatException.class, () -> new SafeUnpickler(pickle, 0, "s.pkl", null).load());
        assertTrue(e.getMessage().contains("torch.FloatStorage' is not callable"), e.getMessage());
    }

    @Test void unknownOpcodeAndTruncationAreNamed() {
        byte[] inst = new PickleBytes().proto(2).op('i').stop().bytes(); // INST: protocol-0 object construction
        var e = assertThrows(ModelFormatException.class, () -> new SafeUnpickler(inst, 0, "a.pkl", null).load());
        assertTrue(e.getMessage().contains("opcode 0x69") && e.getMessage().contains("offset 2"), e.getMessage());

        byte[] full = new PickleBytes().proto(2).str("abcdef").stop().bytes();
        byte[] cut = java.util.Arrays.copyOf(full, 8);
        var t = assertThrows(ModelFormatException.class, () -> new SafeUnpickler(cut, 0, "b.pkl", null).load());
        assertTrue(t.getMessage().contains("runs past the end"), t.getMessage());

        byte[] noStop = new PickleBytes().proto(2).int1(1).bytes();
        var n = assertThrows(ModelFormatException.class, () -> new SafeUnpickler(noStop, 0, "c.pkl", null).load());
        assertTrue(n.getMessage().contains("truncated"), n.getMessage());

        byte[] badMemo = new PickleBytes().proto(2).op('h', 7).stop().bytes();
        var m = assertThrows(ModelFormatException.class, () -> new SafeUnpickler(badMemo, 0, "d.pkl", null).load());
        assertTrue(m.getMessage().contains("memo index 7"), m.getMessage());
    }

    @Test void selfContainingListCannotBecomeADictKey() {
        // L = []; L.append((L,)); {(L,): 1} -- Python refuses the unhashable key, and so must we (without recursing forever)
        byte[] p = new PickleBytes().proto(2).op('}').op(']').op('q', 0).op('h', 0).op(0x85).op('a').op('0')
                .op('h', 0).op(0x85).int1(1).op('s').stop().bytes();
        var e = assertThrows(ModelFormatException.class, () -> new SafeUnpickler(p, 0, "e.pkl", null).load());
        assertTrue(e.getMessage().contains("unhashable"), e.getMessage());
    }

    @Test void stridedHalfAndParameterTensorsDecode() throws Exception {
        // t: a transposed view (size 2x3, stride (1,2)) of storage 0..5; p: nn.Parameter over a HalfStorage
        byte[] pickle = new PickleBytes().proto(2).global("collections", "OrderedDict").op(')').reduce().op('q', 0)
                .mark()
                .shortStr("t").tensor("FloatStorage", "0", 6, 0, new int[] {2, 3}, new int[] {1, 2})
                .shortStr("p").global("torch._utils", "_rebuild_parameter").mark()
                .tensor("HalfStorage", "1", 3, 1, new int[] {2}, new int[] {1}).op(0x88).global("collections", "OrderedDict").op(')').reduce()
                .tuple().reduce()
                .shortStr("n").int1(5) // a non-tensor entry is skipped
                .op('u').stop().bytes();
        ByteBuffer floats = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) floats.putFloat(i);
        ByteBuffer halves = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0).putShort((short) 0x3E00).putShort((short) 0xC000);
        Path file = PickleBytes.zip(dir.resolve("ok.pt"), "ok", pickle, Map.of("0", floats.array(), "1", halves.array()));
        Map<String, TorchTensor> m = TorchCheckpoint.load(file);
        assertEquals(java.util.List.of("t", "p"), java.util.List.copyOf(m.keySet()));
        assertArrayEquals(new int[] {2, 3}, m.get("t").shape());
        assertArrayEquals(new float[] {0, 2, 4, 1, 3, 5}, m.get("t").data());
        assertEquals("Half", m.get("p").dtype());
        assertArrayEquals(new float[] {1.5f, -2f}, m.get("p").data()); // offset 1 skips the first half
    }

    @Test void viewsOutsideTheirStorageAreRejected() throws Exception {
        byte[] pickle = new PickleBytes().proto(2).global("collections", "OrderedDict").op(')').reduce()
                .mark().str("w").tensor("FloatStorage", "0", 4, 2, new int[] {2, 2}, new int[] {2, 1}).op('u').stop().bytes();
        Path file = PickleBytes.zip(dir.resolve("oob.pt"), "oob", pickle, Map.of("0", new byte[16]));
        var e = assertThrows(ModelFormatException.class, () -> TorchCheckpoint.load(file));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("reaches element 5 of a storage of 4"), e.getMessage());

        // a storage claiming 2^62 elements: numel * 4 would overflow a long and pass a naive size check
        byte[] huge = new PickleBytes().proto(2).global("collections", "OrderedDict").op(')').reduce()
                .mark().str("w").tensor("FloatStorage", "0", 1L << 62, 0, new int[] {4}, new int[] {1}).op('u').stop().bytes();
        Path hugeFile = PickleBytes.zip(dir.resolve("huge.pt"), "huge", huge, Map.of("0", new byte[16]));
        var h = assertThrows(ModelFormatException.class, () -> TorchCheckpoint.load(hugeFile));
        assertTrue(h.getMessage().contains("storage size 4611686018427387904 is out of range"), h.getMessage());

        // a storage record shorter than its declared element count
        byte[] shortRec = new PickleBytes().proto(2).global("collections", "OrderedDict").op(')').reduce()
                .mark().str("w").tensor("FloatStorage", "0", 8, 0, new int[] {8}, new int[] {1}).op('u').stop().bytes();
        Path shortFile = PickleBytes.zip(dir.resolve("short.pt"), "short", shortRec, Map.of("0", new byte[16]));
        var sr = assertThrows(ModelFormatException.class, () -> TorchCheckpoint.load(shortFile));
        assertTrue(sr.getMessage().contains("storage '0' has 16 bytes, its 8 Float elements need 32"), sr.getMessage());
    }
}
