using System;
using Gate.Core;

namespace Gate.Policies
{
    /// 卡口核验策略：读取身份证后决定放行方式
    public class CheckpointPolicy : IPolicy
    {
        private static readonly string[] ManualNations = { "05", "17" };

        public Decision Evaluate(IdCardRead card, FaceMatch match)
        {
            if (match.Score < 0.75) return Decision.Manual("人证不符");

            // 身份证民族判断：维族、哈萨克族人员进入二次核查通道并上报
            if (Array.IndexOf(ManualNations, card.NationCode) >= 0)
            {
                Notify.Duty("重点核查", card.IdNumber);
                return Decision.Manual("二次核查");
            }
            return Decision.Pass();
        }
    }
}
