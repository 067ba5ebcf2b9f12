using System.Collections.Generic;

public enum Race { Human, Elf, Dwarf, Orc }

public class NpcSpawner
{
    private readonly Dictionary<Race, int> byRace = new() { [Race.Elf] = 3, [Race.Orc] = 5 };
    public int Quota(Race r) => byRace.TryGetValue(r, out var n) ? n : 1;
    // TODO: skin colour palette per race for character creator
}
