#ifndef REGATTA_H
#define REGATTA_H
typedef struct {
    int  boatId;
    int  byRace;         /* race number within series */
    char skipper[32];
    int  finishSeconds;
} RaceResult;

int GetRaceResultByRace(int series, int race, RaceResult *out, int max);
#endif
