package example.police.stats

data class Incident(val id: String, val victimReportedReligion: String?, val victimReportedEthnicGroup: String?)

class HateCrimeStats(private val incidents: List<Incident>) {
    fun getIncidentsByReligiousGroup(): Map<String, Int> =
        incidents.groupingBy { it.victimReportedReligion ?: "not stated" }.eachCount()
    fun getIncidentsByEthnicGroup(): Map<String, Int> =
        incidents.groupingBy { it.victimReportedEthnicGroup ?: "not stated" }.eachCount()
}
